import assert from "node:assert/strict";
import { test } from "node:test";
import { messageShape, REDACTED, redactSecrets, redactUrls } from "../../src/core/redact.js";

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
