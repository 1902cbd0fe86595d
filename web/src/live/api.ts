/**
 * The web app's one API client. The browser is signed in by an HttpOnly cookie, so no token is
 * ever held in script: requests are same-origin and the cookie rides along, sockets included.
 */
import { createApiClient } from "../../../worker/client";

export const api = createApiClient({ baseUrl: location.origin, token: "" });
export const baseUrl = location.origin;
