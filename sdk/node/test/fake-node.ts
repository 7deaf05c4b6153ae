// A stand-in CheckoutService on a grpc-js server, for the unit tests of the
// SDK's own logic (retries, failure policy, TLS and token): each method
// answers what the test's handler says and every call is recorded.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

import { PACKAGE_DIR } from "./env";

export type MethodName = "Check" | "CheckBatch" | "Report" | "Retract";

export interface RecordedCall {
  method: MethodName;
  request: Record<string, unknown>;
  metadata: grpc.Metadata;
}

/** What a handler answers: a response message, or a status. */
export type Answer =
  | { response: object; delayMs?: number }
  | { code: grpc.status; details: string; delayMs?: number };

/** handler(call, n): n counts this method's calls from 0. */
export type Handler = (call: RecordedCall, n: number) => Answer;

export interface FakeNode {
  target: string;
  calls: RecordedCall[];
  stop(): void;
}

export interface FakeNodeOptions {
  /** Serve TLS on 127.0.0.1 with this key and certificate (PEM). */
  tls?: { key: Buffer; cert: Buffer };
}

export async function startFakeNode(
  handlers: Partial<Record<MethodName, Handler>>,
  options: FakeNodeOptions = {},
): Promise<FakeNode> {
  const definition = protoLoader.loadSync("authnet/v1/checkout.proto", {
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
    includeDirs: [path.join(PACKAGE_DIR, "proto")],
  });
  const service = definition["authnet.v1.CheckoutService"] as grpc.ServiceDefinition;
  const calls: RecordedCall[] = [];
  const counts = new Map<MethodName, number>();
  const server = new grpc.Server();
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const method of ["Check", "CheckBatch", "Report", "Retract"] as const) {
    implementation[method] = (
      call: grpc.ServerUnaryCall<Record<string, unknown>, object>,
      callback: grpc.sendUnaryData<object>,
    ) => {
      const recorded: RecordedCall = { method, request: call.request, metadata: call.metadata };
      calls.push(recorded);
      const n = counts.get(method) ?? 0;
      counts.set(method, n + 1);
      const handler = handlers[method];
      const answer: Answer = handler
        ? handler(recorded, n)
        : { code: grpc.status.UNIMPLEMENTED, details: `${method}: not in this test` };
      const send = (): void => {
        if ("response" in answer) {
          callback(null, answer.response);
        } else {
          callback({ code: answer.code, details: answer.details });
        }
      };
      if (answer.delayMs) {
        setTimeout(send, answer.delayMs);
      } else {
        send();
      }
    };
  }
  server.addService(service, implementation);

  let address: string;
  let credentials: grpc.ServerCredentials;
  let dir: string | undefined;
  if (options.tls) {
    address = "127.0.0.1:0";
    credentials = grpc.ServerCredentials.createSsl(null, [
      { private_key: options.tls.key, cert_chain: options.tls.cert },
    ]);
  } else {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "authnet-sdk-fake-"));
    address = `unix:${path.join(dir, "api.sock")}`;
    credentials = grpc.ServerCredentials.createInsecure();
  }
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, credentials, (error, boundPort) =>
      error ? reject(error) : resolve(boundPort),
    );
  });
  return {
    target: options.tls ? `127.0.0.1:${port}` : address,
    calls,
    stop() {
      server.forceShutdown();
      if (dir !== undefined) {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
