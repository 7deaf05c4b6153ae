// The environment tests/testing/with_node.sh gives the tests that need a real
// node. Those tests fail, never skip, when it is missing.
import * as path from "node:path";

const HOW =
  "run the tests beside a real node: tests/testing/with_node.sh build/bin npm --prefix sdk/node test";

export function requireEnv(name: "AUTHNET_TARGET" | "AUTHNET_DOWN_TARGET"): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: ${HOW}`);
  }
  return value;
}

/** The package's root directory (this file runs from dist/test/). */
export const PACKAGE_DIR = path.resolve(__dirname, "..", "..");
