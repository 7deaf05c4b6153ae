// A checkout service's use of @authnet/sdk: check each unit at checkout and
// block it on deny; report a returned unit that inspection confirmed
// counterfeit, so that the next attempt to sell that serial is blocked.
//
//   AUTHNET_TARGET=unix:/run/authnet/api.sock node dist/examples/checkout.js
import { AuthnetError, Client, type Subjects } from "@authnet/sdk";

// One client per process; it is safe to share.
const client = new Client({
  target: process.env["AUTHNET_TARGET"] ?? "unix:/run/authnet/api.sock",
  // Every call has a deadline (deadlineMs, default 50). A checkout that must
  // not stall when the node cannot answer sells unchecked; "fail-closed"
  // would block every sale instead.
  failurePolicy: "fail-open",
});

// At checkout: may this unit be sold?
async function checkout(unit: Subjects): Promise<boolean> {
  const result = await client.check(unit);
  if (result.degraded) {
    console.log(`node did not answer (${result.nodeError?.code}): ${result.decision} by policy`);
  }
  switch (result.decision) {
    case "deny":
      console.log(`blocked ${unit.gtin}/${unit.serial}:`);
      for (const reason of result.reasons) {
        console.log(`  ${reason.summary}`);
      }
      return false;
    case "review":
      console.log(`held for review ${unit.gtin}/${unit.serial} (risk ${result.risk.toFixed(2)})`);
      return false;
    case "allow":
      console.log(`sold ${unit.gtin}/${unit.serial}`);
      return true;
  }
}

// After inspecting a return: the unit is a confirmed counterfeit.
async function reportCounterfeitReturn(unit: Subjects, returnId: string): Promise<void> {
  const report = await client.report(unit, "counterfeit_confirmed", {
    // Names this one report: retries (the SDK's and yours) count once.
    idempotencyKey: `return-${returnId}`,
  });
  console.log(
    `reported ${report.accepted} record(s) from seq ${report.seq}` +
      (report.replayed ? " (already recorded)" : ""),
  );
}

async function main(): Promise<void> {
  const unit: Subjects = { gtin: "5901234123457", serial: "EX-4711" };
  try {
    await checkout(unit); // nothing is known about it yet: sold
    await reportCounterfeitReturn(unit, "4711"); // it came back, and it is fake
    await checkout(unit); // the same serial offered again: blocked
  } catch (err) {
    if (!(err instanceof AuthnetError)) {
      throw err;
    }
    // INVALID_ARGUMENT: bad input; the message starts with the field.
    // UNAVAILABLE / DEADLINE_EXCEEDED from report(): not known to be durable;
    // report again with the same idempotency key.
    console.error(`authnet: ${err.code}: ${err.message}`);
    process.exitCode = 1;
  } finally {
    await client.close();
  }
}

void main();
