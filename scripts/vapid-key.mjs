#!/usr/bin/env node
// Prints a new VAPID key for Web Push: a P-256 private JWK (JSON), the value of the Worker secret
// VAPID_PRIVATE_KEY (README, Push notifications). Made by Web Crypto; nothing is written to disk.
const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
const { kty, crv, x, y, d } = await crypto.subtle.exportKey("jwk", pair.privateKey);
console.log(JSON.stringify({ kty, crv, x, y, d }));
