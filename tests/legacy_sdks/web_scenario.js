// Drives the unmodified legacy Web Signaling SDK (npm agora-signaling-sdk 1.4.0) in headless
// Chromium (playwright-core) against sig2rtm-server, which this script starts and restarts.
//
// Usage: node web_scenario.js SERVER LEGACY_PEER PYTHON PY_PEER_SCRIPT LEGACY_C_PROGRAM
// with NODE_PATH pointing at the node_modules that hold playwright-core and the SDK, and
// LD_LIBRARY_PATH finding libagorasig for the C program.
//
// The page is served at http://127.0.0.1:PORT/app/ by request interception (nothing leaves the
// machine; a page on a public origin would need the browser's local-network permission);
// it loads the SDK file as shipped and points it at the server with setup_debugging('ap_url').
// One more page loads web/sig2rtm-redirect.js before the SDK instead. Prints one line per step;
// exits 0 when every step passed.
'use strict';

const { chromium } = require('playwright-core');
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');
const crypto = require('crypto');

/// A legacy Signaling token: 1:appId:expiredTs:md5(account + appId + certificate + expiredTs).
function signalingToken(account, appId, cert, expiredTs) {
  const md5 = crypto.createHash('md5').update(account + appId + cert + expiredTs).digest('hex');
  return `1:${appId}:${expiredTs}:${md5}`;
}

const [SERVER, LEGACY_PEER, PYTHON, PY_PEER, C_PROGRAM] = process.argv.slice(2);
const APP = '0123456789abcdef0123456789abcdef';
// A second App ID, served with a certificate: its logins need legacy Signaling tokens.
const TOKEN_APP = 'aaaabbbbccccddddeeeeffff00001111';
const CERT = 'fedcba9876543210fedcba9876543210';
const SDK = require.resolve('agora-signaling-sdk/AgoraSigSDK.min.js');
const REDIRECT = path.join(__dirname, '..', '..', 'web', 'sig2rtm-redirect.js');
const WS_PORT = 18000 + (process.pid % 1000) * 2;
const TCP_PORT = WS_PORT + 1;
const WS = `ws://127.0.0.1:${WS_PORT}/`;

function step(text) {
  console.log(`web: ok   ${text}`);
}

let server;
function startServer() {
  const args = ['--listen', `127.0.0.1:${TCP_PORT}`, '--legacy-web', `127.0.0.1:${WS_PORT}`];
  server = spawn(SERVER, [...args, '--app', APP, '--app', `${TOKEN_APP}:${CERT}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: server.stdout });
    lines.on('line', (l) => {
      if (l.includes('legacy web (ws, http) on')) resolve();
    });
    server.on('exit', (code) => reject(new Error(`the server exited with ${code}`)));
  });
}
function stopServer() {
  return new Promise((resolve) => {
    server.removeAllListeners('exit');
    server.on('exit', () => resolve());
    server.kill('SIGTERM');
  });
}

/// A child process whose stdout lines are kept, for the Rust and Python peers.
function peer(cmd, args, env) {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const lines = [];
  readline.createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
  return {
    child,
    send: (l) => child.stdin.write(l + '\n'),
    async waitLine(fragment, what, ms = 15000) {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        const i = lines.findIndex((l) => l.includes(fragment));
        if (i >= 0) return lines.splice(i, 1)[0];
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`timed out waiting for ${what}; lines: ${JSON.stringify(lines)}`);
    },
  };
}

// In-page helpers: sessions whose callbacks are recorded in window.EVENTS.
const HELPERS = `
window.EVENTS = [];
window.S = {};
window.CALLS = {};
window.rec = (...e) => { EVENTS.push(e); };
window.watchCall = (name, call) => {
  CALLS[name + ':' + call.channelName] = call;
  call.onInviteReceivedByPeer = (x) => rec(name, 'call_received_by_peer', call.channelName);
  call.onInviteAcceptedByPeer = (x) => rec(name, 'call_accepted', call.channelName, x);
  call.onInviteRefusedByPeer = (x) => rec(name, 'call_refused', call.channelName, x);
  call.onInviteFailed = (x) => rec(name, 'call_failed', call.channelName);
  call.onInviteEndByPeer = (x) => rec(name, 'call_end_by_peer', call.channelName, x);
  call.onInviteEndByMyself = (x) => rec(name, 'call_end_by_myself', call.channelName);
  return call;
};
window.mk = (name, url, app, token) => {
  const sig = Signal(app || ${JSON.stringify(APP)});
  if (url) sig.setup_debugging('ap_url', url);
  const s = sig.login(name, token || '_no_need_token');
  s.onLoginSuccess = (uid) => rec(name, 'login', uid);
  s.onLoginFailed = (c) => rec(name, 'login_failed', c);
  s.onLogout = (c) => rec(name, 'logout', c);
  s.onMessageInstantReceive = (a, u, m) => rec(name, 'msg', a, m);
  s.onInviteReceived = (call) => { watchCall(name, call); rec(name, 'invite', call.channelName, call.peer, call.extra); };
  S[name] = s;
};
window.join = (name, ch) => {
  const c = S[name].channelJoin(ch);
  c.onChannelJoined = () => rec(name, 'joined');
  c.onChannelJoinFailed = (e) => rec(name, 'join_failed', e);
  c.onChannelUserList = (l) => rec(name, 'list', l.map((u) => u[0]).sort(), l.every((u) => typeof u[1] === 'number' && u[1] !== 0));
  c.onChannelUserJoined = (a) => rec(name, 'user_joined', a);
  c.onChannelUserLeaved = (a) => rec(name, 'user_left', a);
  c.onMessageChannelReceive = (a, u, m) => rec(name, 'chmsg', a, m);
  c.onChannelAttrUpdated = (k, v, t) => rec(name, 'attr', k, v, t);
  c.onChannelLeaved = (e) => rec(name, 'left', e);
  S[name + ':channel'] = c;
};
`;

async function main() {
  await startServer();
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sig2rtm-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    chromiumSandbox: false,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
  // A page of intercepted origin counts as public; the SDK's sockets to 127.0.0.1 then need
  // the local-network permission a person would grant.
  await context.grantPermissions(['local-network-access']);
  // Everything the page asks for over HTTP is answered here; the SDK's login report to its
  // vendor's host gets an empty answer instead of leaving the machine.
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.hostname !== '127.0.0.1') return route.fulfill({ status: 204, headers: { 'access-control-allow-origin': '*' } });
    if (!url.pathname.startsWith('/app/')) return route.continue();
    const files = {
      '/app/': ['text/html', `<!doctype html><meta charset="utf-8"><script src="/app/AgoraSigSDK.min.js"></script><script>${HELPERS}</script>`],
      '/app/redirect.html': ['text/html', `<!doctype html><meta charset="utf-8"><script src="/app/sig2rtm-redirect.js" data-lbs="http://127.0.0.1:${WS_PORT}" data-ws="${WS}"></script><script src="/app/AgoraSigSDK.min.js"></script><script>${HELPERS}</script>`],
      '/app/AgoraSigSDK.min.js': ['application/javascript', fs.readFileSync(SDK, 'utf8')],
      '/app/sig2rtm-redirect.js': ['application/javascript', fs.readFileSync(REDIRECT, 'utf8')],
    };
    const f = files[url.pathname];
    if (!f) return route.fulfill({ status: 404, body: 'not here' });
    return route.fulfill({ status: 200, contentType: f[0], body: f[1] });
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`web: page error: ${e.message}`));
  if (process.env.SIG2RTM_WEB_CONSOLE) page.on('console', (m) => console.log(`web: console: ${m.text()}`));
  await page.goto(`http://127.0.0.1:${WS_PORT}/app/`);

  const ev = (js) => page.evaluate(js);
  // Waits for the first recorded event that starts with `prefix`, removes it and returns it.
  const take = async (prefix, what, ms = 15000) => {
    try {
      const h = await page.waitForFunction(
        (p) => {
          const i = EVENTS.findIndex((e) => p.every((x, k) => JSON.stringify(e[k]) === JSON.stringify(x)));
          return i >= 0 ? EVENTS.splice(i, 1)[0] : null;
        },
        prefix,
        { timeout: ms, polling: 20 }
      );
      return await h.jsonValue();
    } catch (e) {
      const left = await page.evaluate(() => EVENTS).catch(() => '?');
      throw new Error(`timed out waiting for ${what}; events: ${JSON.stringify(left)}`);
    }
  };

  await ev(`mk('alice', '${WS}'); mk('bob', '${WS}')`);
  const [, , aliceUid] = await take(['alice', 'login'], "alice's login");
  await take(['bob', 'login'], "bob's login");
  if (!(aliceUid > 0)) throw new Error(`uid ${aliceUid}`);
  step("login through setup_debugging('ap_url')");

  const text = 'hi bob, with spaces é世';
  await ev(`S.alice.messageInstantSend('bob', ${JSON.stringify(text)}, (isErr) => rec('alice', 'sent', isErr))`);
  await take(['alice', 'sent', false], "alice's send result");
  await take(['bob', 'msg', 'alice', text], "bob's message");
  await ev(`S.bob.messageInstantSend('alice', 'back at you', () => {})`);
  await take(['alice', 'msg', 'bob', 'back at you'], "alice's message");
  step('peer messages both ways with spaces and non-ASCII text');

  await ev(`S.alice.messageInstantSend('carol', 'for later', (e) => rec('alice', 'sent', e))`);
  await take(['alice', 'sent', false], 'the offline send result');
  await ev(`mk('carol', '${WS}')`);
  await take(['carol', 'login'], "carol's login");
  await take(['carol', 'msg', 'alice', 'for later'], "carol's offline message");
  step('an offline message delivered at login');

  await ev(`join('alice', 'room1')`);
  await take(['alice', 'joined'], "alice's join");
  await take(['alice', 'list', ['alice'], true], "alice's user list");
  await ev(`join('bob', 'room1')`);
  await take(['bob', 'list', ['alice', 'bob'], true], "bob's user list");
  await take(['alice', 'user_joined', 'bob'], 'alice sees bob join');
  step('channel join with the user list and the join event');

  await ev(`S['bob:channel'].messageChannelSend('hello room', () => rec('bob', 'chsent'))`);
  await take(['alice', 'chmsg', 'bob', 'hello room'], "alice's channel message");
  await take(['bob', 'chmsg', 'bob', 'hello room'], "bob's own echo");
  await take(['bob', 'chsent'], "bob's send callback");
  step("channel messages with the sender's echo");

  await ev(`S['alice:channel'].channelSetAttr('topic', 'news', () => rec('alice', 'attr_cb'))`);
  await take(['alice', 'attr_cb'], 'the set callback');
  await take(['bob', 'attr', 'topic', 'news', 'update'], 'bob sees the attribute');
  await take(['alice', 'attr', 'topic', 'news', 'update'], 'alice sees her attribute');
  await ev(`S['alice:channel'].channelSetAttr('keep', '1', () => {})`);
  await take(['bob', 'attr', 'keep', '1', 'update'], 'bob sees the second attribute');
  await ev(`S['alice:channel'].channelDelAttr('topic', () => {})`);
  await take(['bob', 'attr', 'topic', '', 'del'], 'bob sees the deletion');
  await ev(`S['alice:channel'].channelClearAttr(() => {})`);
  await take(['bob', 'attr', '', '', 'clear'], 'bob sees the clear');
  step('channel attributes set, del and clear');

  await ev(`S.alice.invoke('io.agora.signal.user_query_user_status', {account: 'bob'}, (err, r) => rec('alice', 'status', err, r.status))`);
  await take(['alice', 'status', '', 1], 'query_user_status');
  await ev(`S.alice.invoke('io.agora.signal.channel_query_num', {name: 'room1'}, (err, r) => rec('alice', 'num', err, r.num))`);
  await take(['alice', 'num', '', 2], 'channel_query_num');
  await ev(`S.alice.invoke('io.agora.signal.no_such_thing', {}, (err, r) => rec('alice', 'unknown', err))`);
  await take(['alice', 'unknown', 'unknown_function'], 'an unknown function fails');
  step("invoke('io.agora.signal.*') queries, and an unknown function failing");

  await ev(`watchCall('alice', S.alice.channelInviteUser2('call1', 'bob', '{"hint":1}'))`);
  await take(['bob', 'invite', 'call1', 'alice', '{"hint":1}'], "bob's invitation with its extra");
  await take(['alice', 'call_received_by_peer', 'call1'], 'received by peer');
  await ev(`CALLS['bob:call1'].channelInviteAccept('yes')`);
  await take(['alice', 'call_accepted', 'call1', 'yes'], 'accepted');
  await ev(`CALLS['alice:call1'].channelInviteEnd('')`);
  await take(['alice', 'call_end_by_myself', 'call1'], 'end by myself');
  await take(['bob', 'call_end_by_peer', 'call1'], 'end by peer');
  await ev(`watchCall('alice', S.alice.channelInviteUser2('call2', 'bob', ''))`);
  await take(['bob', 'invite', 'call2'], 'the second invitation');
  await ev(`CALLS['bob:call2'].channelInviteRefuse('no')`);
  await take(['alice', 'call_refused', 'call2', 'no'], 'refused');
  await ev(`watchCall('alice', S.alice.channelInviteUser2('call3', 'bob', ''))`);
  await take(['bob', 'invite', 'call3'], 'the third invitation');
  await ev(`CALLS['bob:call3'].channelInviteAccept('')`);
  await take(['alice', 'call_accepted', 'call3'], 'accepted');
  await ev(`CALLS['bob:call3'].channelInviteEnd('')`);
  await take(['alice', 'call_end_by_peer', 'call3'], 'ended by the callee');
  await ev(`watchCall('alice', S.alice.channelInviteUser2('call4', 'nobody', '{"_require_peer_online":1}'))`);
  await take(['alice', 'call_failed', 'call4'], 'the offline callee fails');
  step('invitations accepted, refused, ended by either side, failing for an offline callee');

  const rust = peer(LEGACY_PEER, ['rusty'], { SIG2RTM_SERVER: `127.0.0.1:${TCP_PORT}` });
  rust.send('login');
  await rust.waitLine('onLoginSuccess', "the Rust client's login");
  await ev(`S.alice.messageInstantSend('rusty', 'from the browser é', () => {})`);
  await rust.waitLine('onMessageInstantReceive("alice", 0, "from the browser é")', 'the Rust client receives');
  rust.send('send alice from rust, with spaces');
  await take(['alice', 'msg', 'rusty', 'from rust, with spaces'], 'alice hears Rust');
  rust.send('join room1');
  await take(['alice', 'user_joined', 'rusty'], 'alice sees the Rust client join');
  rust.send('chan room1 rust in the room');
  await take(['alice', 'chmsg', 'rusty', 'rust in the room'], "the Rust client's channel message");
  rust.send('quit');
  step('peer and channel messages with a legacy facade (Rust) client');

  if (PYTHON && PY_PEER) {
    const py = peer(PYTHON, [PY_PEER, String(WS_PORT)], {});
    await py.waitLine('ready', "the Python peer's login");
    await ev(`S.alice.messageInstantSend('pyuser', 'hello python', () => {})`);
    await take(['alice', 'msg', 'pyuser', 'python got: hello python'], "the Python SDK's answer");
    await ev(`watchCall('alice', S.alice.channelInviteUser2('pycall', 'pyuser', ''))`);
    await take(['alice', 'call_accepted', 'pycall'], 'the Python SDK accepts');
    py.send('quit');
    step('peer message and invitation with the Python SDK');
  }

  if (C_PROGRAM) {
    await ev(`mk('webc', '${WS}')`);
    await take(['webc', 'login'], "webc's login");
    await ev(`join('webc', 'wchan')`);
    await take(['webc', 'joined'], "webc's join");
    const c = peer(C_PROGRAM, [APP, 'cweb', 'webc', 'wchan', 'callee'], { SIG2RTM_SERVER: `127.0.0.1:${TCP_PORT}` });
    const exited = new Promise((resolve) => c.child.on('exit', (code) => resolve(code)));
    await take(['webc', 'user_joined', 'cweb'], 'the C program joins', 30000);
    await take(['webc', 'chmsg', 'cweb', 'hello from cweb'], "the C program's channel message");
    await ev(`S['webc:channel'].messageChannelSend('hello from webc', () => {})`);
    await take(['webc', 'msg', 'cweb', 'hi webc, this is cweb'], "the C program's peer message");
    await ev(`S.webc.messageInstantSend('cweb', 'hi cweb, this is webc', () => {})`);
    await ev(`watchCall('webc', S.webc.channelInviteUser2('wchan-call', 'cweb', ''))`);
    await take(['webc', 'call_accepted', 'wchan-call'], 'the C program accepts');
    await ev(`CALLS['webc:wchan-call'].channelInviteEnd('')`);
    await take(['webc', 'user_left', 'cweb'], 'the C program logs out', 30000);
    const code = await exited;
    if (code !== 0) throw new Error(`the C program exited with ${code}`);
    step('channel, peer messages and an invitation with a legacy C program (libagorasig)');
  }

  const now = Math.floor(Date.now() / 1000);
  await ev(`mk('tokened', '${WS}', '${TOKEN_APP}', '${signalingToken('tokened', TOKEN_APP, CERT, now + 3600)}')`);
  await take(['tokened', 'login'], 'a login with a valid legacy token');
  await ev(`mk('expired', '${WS}', '${TOKEN_APP}', '${signalingToken('expired', TOKEN_APP, CERT, now - 60)}')`);
  await take(['expired', 'login_failed', 204], 'an expired token fails with 204');
  await ev(`mk('forged', '${WS}', '${TOKEN_APP}', '${signalingToken('forged', TOKEN_APP, '0'.repeat(32), now + 3600)}')`);
  await take(['forged', 'login_failed', 206], 'a token of another certificate fails with 206');
  await ev(`mk('stranger', '${WS}', 'ffffffffffffffffffffffffffffffff')`);
  await take(['stranger', 'login_failed'], 'an App ID the server does not serve fails');
  await ev(`S.tokened.messageInstantSend('alice', 'other app', (e) => rec('tokened', 'sent', e))`);
  await take(['tokened', 'sent', false], 'the token session sends');
  step('an App ID with a certificate: legacy tokens checked (204, 206), an unknown App ID refused');

  await ev(`S['bob:channel'].channelLeave()`);
  await take(['alice', 'user_left', 'bob'], 'alice sees bob leave');
  await take(['bob', 'left', 0], "bob's leave callback");
  step('channel leave');

  await ev(`mk('carol', '${WS}')`);
  await take(['carol', 'logout', 103], 'the older carol session is kicked with 103');
  await take(['carol', 'login'], "the newer carol's login");
  step('a duplicate login kicks the older session (onLogout 103)');

  await stopServer();
  await startServer();
  await take(['alice', 'login'], "alice's automatic re-login after the server restart", 30000);
  await take(['bob', 'login'], "bob's automatic re-login", 30000);
  await ev(`S.bob.messageInstantSend('alice', 'after the restart', () => {})`);
  await take(['alice', 'msg', 'bob', 'after the restart'], 'a message after the restart');
  step('a server restart: the 1.4.0 client logs in again by itself');

  const redirected = await context.newPage();
  await redirected.goto(`http://127.0.0.1:${WS_PORT}/app/redirect.html`);
  await redirected.evaluate(`mk('dave')`);
  await redirected.waitForFunction(() => EVENTS.some((e) => e[0] === 'dave' && e[1] === 'login'), null, { timeout: 15000 });
  await redirected.evaluate(`S.dave.messageInstantSend('alice', 'via the redirect script', () => {})`);
  await take(['alice', 'msg', 'dave', 'via the redirect script'], 'a message from the redirected page');
  step('an unmodified page with web/sig2rtm-redirect.js (LBS and WebSocket redirected)');

  for (const name of ['alice', 'bob']) {
    await ev(`S.${name}.logout()`);
    await take([name, 'logout', 101], `${name}'s logout`);
  }
  step('logout with 101');
  await context.close();
  await stopServer();
}

main().then(
  () => process.exit(0),
  async (e) => {
    console.log(`web: FAIL ${e.message}`);
    if (server) server.kill('SIGKILL');
    process.exit(1);
  }
);
