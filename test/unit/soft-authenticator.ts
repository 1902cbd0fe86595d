/**
 * A software WebAuthn authenticator for unit tests, on node:crypto (P-256, ES256): it makes a COSE public
 * key and assertions built as the WebAuthn spec lays them out (authenticatorData = rpIdHash | flags |
 * signCount; clientDataJSON; an ECDSA DER signature over authenticatorData | sha256(clientDataJSON)), so
 * the real @simplewebauthn/server verifier checks them. Tests only; a browser's passkey plays this part.
 */
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { toBase64Url, type WebAuthnSignature } from "../../worker/protocol/signed-decision";

const sha256 = (b: Uint8Array | string) => new Uint8Array(createHash("sha256").update(b).digest());

export interface SoftPasskey {
  credentialId: string;
  /** COSE_Key (EC2, P-256, ES256), base64url. */
  publicKey: string;
  /** An assertion over `challenge` as a browser on `origin` would return it for RP `rpId`. */
  /** `signCount`: the counter the authenticator reports (default 1; a clone reports one already used). */
  assert(challenge: string, at: { rpId: string; origin: string; userVerified?: boolean; signCount?: number }): Omit<WebAuthnSignature, "keyId">;
}

export function softPasskey(seed: string): SoftPasskey {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = publicKey.export({ format: "jwk" });
  const x = Buffer.from(jwk.x ?? "", "base64url");
  const y = Buffer.from(jwk.y ?? "", "base64url");
  // CBOR map {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}
  const cose = Buffer.concat([Buffer.from([0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20]), x, Buffer.from([0x22, 0x58, 0x20]), y]);
  const credentialId = toBase64Url(sha256(`credential:${seed}`).slice(0, 16));
  return {
    credentialId,
    publicKey: toBase64Url(cose),
    assert(challenge, { rpId, origin, userVerified = true, signCount = 1 }) {
      const flags = 0x01 | (userVerified ? 0x04 : 0); // UP, UV
      const count = Buffer.alloc(4);
      count.writeUInt32BE(signCount);
      const authData = Buffer.concat([sha256(rpId), Buffer.from([flags]), count]);
      const clientData = Buffer.from(JSON.stringify({ type: "webauthn.get", challenge, origin, crossOrigin: false }));
      const sig = sign("sha256", Buffer.concat([authData, sha256(clientData)]), privateKey);
      return {
        alg: "webauthn",
        credentialId,
        authenticatorData: toBase64Url(authData),
        clientDataJSON: toBase64Url(clientData),
        sig: toBase64Url(sig),
      };
    },
  };
}
