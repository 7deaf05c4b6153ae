// Copies the wire contract (../../proto/authnet/v1/{types,checkout}.proto)
// into this package's proto/, which the SDK loads at run time and which the
// published package ships. Run by `npm run build` (and so by `prepare`).
"use strict";
const fs = require("fs");
const path = require("path");

const FILES = ["types.proto", "checkout.proto"];
const pkg = path.resolve(__dirname, "..");
const from = path.resolve(pkg, "..", "..", "proto", "authnet", "v1");
const to = path.join(pkg, "proto", "authnet", "v1");

for (const file of FILES) {
  if (!fs.existsSync(path.join(from, file))) {
    console.error(`copy-protos: ${path.join(from, file)} not found: build from the authnet repository (sdk/node)`);
    process.exit(1);
  }
}
fs.rmSync(path.join(pkg, "proto"), { recursive: true, force: true });
fs.mkdirSync(to, { recursive: true });
for (const file of FILES) {
  fs.copyFileSync(path.join(from, file), path.join(to, file));
}
console.log(`copy-protos: ${FILES.join(", ")} -> proto/authnet/v1/`);
