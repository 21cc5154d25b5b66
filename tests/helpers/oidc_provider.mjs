// A real OpenID Connect provider for the sign-in tests: the npm package oidc-provider (installed into
// .test-lrs/oidc by scripts/install-test-lrs.sh), with one confidential client that must use PKCE, and the accounts
// a test gives it. Its development login form (devInteractions) signs in whoever types an account's id with any
// password: the tests exercise the adapter's side of the flow, not a password check.
//
// Usage: node oidc_provider.mjs SETTINGS.json
//   {"port": 5123, "client_id": "...", "client_secret": "...", "redirect_uris": ["..."],
//    "post_logout_redirect_uris": ["..."], "accounts": {"login": {"email": "...", "employee_id": "...", ...}}}
// tests/helpers/oidc.py waits for its discovery document.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(join(process.env.OIDC_PROVIDER_PREFIX, 'package.json'));
const { default: Provider } = await import(require.resolve('oidc-provider'));

const settings = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const issuer = `http://127.0.0.1:${settings.port}`;
const provider = new Provider(issuer, {
  clients: [{
    client_id: settings.client_id,
    client_secret: settings.client_secret,
    redirect_uris: settings.redirect_uris,
    post_logout_redirect_uris: settings.post_logout_redirect_uris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'employee_id', 'groups'],
  },
  // The claims go into the ID token itself, as Entra ID puts them there.
  conformIdTokenClaims: false,
  async findAccount(ctx, id) {
    const claims = settings.accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  cookies: { keys: ['test-only-cookie-key'] },
});
provider.proxy = false;
provider.listen(settings.port, '127.0.0.1');
