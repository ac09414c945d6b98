import assert from "node:assert/strict";
import { test } from "node:test";
import {
  hiddenStrings,
  messageShape,
  REDACTED,
  redactSecrets,
  redactUrls,
  withHiddenStrings,
} from "../../src/core/redact.js";

test("redaction replaces strings under secret keys, and never a number or a boolean", () => {
  const config = {
    config: { model_auto_compact_token_limit: 200000, model: "gpt-x", show_raw_agent_reasoning: true },
    token: "t0ken",
    token_env: "MY_TOKEN",
    headers: { Authorization: "Bearer abc", "X-Retries": 3, list: ["a", 1] },
    nested: { api_key: { value: "k", enabled: false } },
  };
  assert.deepEqual(redactSecrets(config), {
    config: { model_auto_compact_token_limit: 200000, model: "gpt-x", show_raw_agent_reasoning: true },
    token: REDACTED,
    token_env: "MY_TOKEN",
    headers: { Authorization: REDACTED, "X-Retries": 3, list: [REDACTED, 1] },
    nested: { api_key: { value: REDACTED, enabled: false } },
  });
});

test("URLs anywhere lose their userinfo and the values of credential parameters, and stay URLs", () => {
  const redacted = redactSecrets({
    agent_url: "https://user:pw@agents.example/a2a?token=abc&tenant=t1#frag",
    args: ["--endpoint=https://api.example/v1?api_key=K1&X-Amz-Signature=S1&page=2", "plain text"],
  }) as { agent_url: string; args: string[] };
  assert.equal(redacted.agent_url, `https://agents.example/a2a?token=${REDACTED}&tenant=t1#frag`);
  assert.equal(new URL(redacted.agent_url).searchParams.get("tenant"), "t1");
  assert.equal(
    redacted.args[0],
    `--endpoint=https://api.example/v1?api_key=${REDACTED}&X-Amz-Signature=${REDACTED}&page=2`,
  );
  assert.equal(redacted.args[1], "plain text");
  assert.equal(
    redactUrls("see http://u@h:8080/x?Access_Token=z and https://h/#access_token=y&state=s"),
    `see http://h:8080/x?Access_Token=${REDACTED} and https://h/#access_token=${REDACTED}&state=s`,
  );
  assert.equal(redactUrls("https://h/x?author=me&monkey=1"), "https://h/x?author=me&monkey=1");
});

test("the shape of an answer keeps part types, data keys and text length, never a value", () => {
  const shape = messageShape({
    parts: [
      { type: "data", data: { token: "T", password: "P" } },
      { type: "text", text: "123456789012" },
      { type: "data", data: "S" },
      { type: "file", uri: "https://h/?sig=x", name: "key.pem", mime_type: "application/x-pem-file" },
    ],
  });
  assert.deepEqual(shape, [
    { type: "data", keys: ["password", "token"] },
    { type: "text", chars: 12 },
    { type: "data", kind: "string" },
    { type: "file", mime_type: "application/x-pem-file" },
  ]);
});

test("what redaction hides can be kept apart and put back: the stored copy plus a few strings is the original", () => {
  const config = {
    agent_url: "https://user:pw@agent.example/a2a?token=abc&x=1",
    token: "sk-live",
    headers: { "X-Api-Key": "k1", Accept: "json" },
    config: { model_auto_compact_token_limit: 200000, list: [{ api_key: "k2" }, "plain"] },
    poll_interval_ms: 500,
  };
  const hidden = hiddenStrings(config);
  assert.deepEqual(
    hidden.map(([path]) => path.join("/")),
    ["agent_url", "token", "headers/X-Api-Key", "headers/Accept", "config/list/0/api_key"],
  );
  const stored = redactSecrets(config) as typeof config;
  assert.equal(stored.token, "[redacted]");
  assert.deepEqual(withHiddenStrings(stored, hidden), config);
  assert.equal(stored.token, "[redacted]", "the stored copy is left as it was");
  assert.deepEqual(hiddenStrings({ model: "gpt", effort: 3 }), []);
});
