/** The DNS-rebinding check every local listener shares, and what counts as loopback. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { bindNames, hostGuard, isLoopbackHost } from "../../src/core/host-guard.js";

test("Host and Origin must name this machine (or a name the operator gave)", () => {
  const guard = hostGuard(["agent.internal", "https://public.example:8443/base"]);
  for (const host of [
    "127.0.0.1:7319",
    "localhost",
    "LOCALHOST:1",
    "[::1]:80",
    "agent.internal",
    "public.example",
  ]) {
    assert.equal(guard.refusal({ host }), undefined, host);
  }
  for (const host of [
    "attacker.example:7319",
    "127.0.0.1.attacker.example",
    "evil@127.0.0.1",
    "127.0.0.1/x",
    "",
  ]) {
    assert.match(guard.refusal({ host }) ?? "", /Host|missing/, host);
  }
  assert.match(guard.refusal({}) ?? "", /missing Host/);
  assert.equal(guard.refusal({ host: "localhost:1", origin: "http://127.0.0.1:5173" }), undefined);
  for (const origin of ["http://attacker.example", "null", "file://", "chrome-extension://abc"]) {
    assert.match(guard.refusal({ host: "localhost:1", origin }) ?? "", /Origin/, origin);
  }
});

test("loopback is localhost, 127.0.0.0/8 (IPv4-mapped too) and ::1; a wildcard bind adds this machine's addresses", () => {
  for (const host of ["localhost", "127.0.0.1", "127.9.8.7", "::1", "[::1]", "::ffff:127.0.0.1"]) {
    assert.ok(isLoopbackHost(host), host);
  }
  for (const host of ["0.0.0.0", "10.0.0.1", "127.0.0.1.example", "localhost.example", "::"]) {
    assert.ok(!isLoopbackHost(host), host);
  }
  assert.deepEqual(bindNames("127.0.0.1"), ["127.0.0.1"]);
  assert.ok(bindNames("0.0.0.0").includes("127.0.0.1"));
  assert.ok(bindNames("::").every((name) => !name.includes(":") || name.startsWith("[")));
});
