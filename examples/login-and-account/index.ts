/**
 * Accounts and logins: read the account, log in with an API key, start a browser (ChatGPT)
 * login and cancel it, and log out.
 *
 * Against the real service this example leaves your login alone: it only reads the account and
 * starts logins that it cancels. The API-key login and the logout run offline, where the
 * account lives in a throwaway CODEX_HOME.
 */
import type { GetAccountResponse } from "codex-app-server-sdk/types";
import { startCodex } from "../_shared/start.js";

await using session = await startCodex({ offlineRequiresLogin: true });
const { codex, offline } = session;

function describe({ account, requiresOpenaiAuth }: GetAccountResponse): string {
  const who =
    account === null
      ? "not logged in"
      : account.type === "chatgpt"
        ? `ChatGPT account ${account.email ?? "(no email)"}, plan ${account.planType}`
        : account.type === "apiKey"
          ? "logged in with an API key"
          : `${account.type} account`;
  return `${who}; requires OpenAI auth: ${requiresOpenaiAuth}`;
}

console.log(`account: ${describe(await codex.account())}`);

if (offline) {
  await codex.loginApiKey("sk-offline-example-not-a-real-key");
  console.log(`after loginApiKey: ${describe(await codex.account())}`);
}

// A browser login: the server listens on localhost for the redirect from `authUrl`.
const login = await codex.loginChatgpt();
console.log(`\nChatGPT login ${login.loginId} started`);
console.log(`  open: ${login.authUrl.slice(0, 60)}...`);
const { status } = await login.cancel();
console.log(`  cancel: ${status}`);
// A cancelled or failed login is not an error: wait() resolves with success false.
const completion = await login.wait({ timeout: 10_000 });
console.log(`  wait: success ${completion.success}, error ${JSON.stringify(completion.error)}`);

if (!offline) {
  // The device-code flow asks the auth server for a code, so it runs only here.
  const device = await codex.loginChatgptDeviceCode();
  console.log(`\ndevice-code login: enter ${device.userCode} at ${device.verificationUrl}`);
  console.log(`  cancel: ${(await device.cancel()).status}`);
}

if (offline) {
  await codex.logout();
  console.log(`\nafter logout: ${describe(await codex.account())}`);
}
console.log(
  `\naccount (refreshToken: true): ${describe(await codex.account({ refreshToken: true }))}`,
);
