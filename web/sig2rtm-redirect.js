/*
 * sig2rtm-redirect.js: points an unmodified legacy Agora Signaling web page (AgoraSig.js 1.3.0,
 * AgoraSigSDK.min.js 1.4.0) at a sig2rtm-server without touching the SDK file.
 *
 * Include it before the SDK:
 *
 *   <script src="sig2rtm-redirect.js" data-lbs="http://sig.example.com:8001"></script>
 *   <script src="AgoraSigSDK.min.js"></script>
 *
 * data-lbs  where the SDK's address lookup (".../getaddr?vid=APPID") goes instead of the
 *           vendor's hosts: the base URL of a `sig2rtm-server --legacy-web` (or -tls) listener.
 * data-ws   optional: the WebSocket URL every SDK socket opens instead, e.g.
 *           "ws://sig.example.com:8001/". Without it, the SDK's "wss://A-B-C-D-sig-web.agora.io:P/"
 *           becomes "ws://A.B.C.D:(P-1)/", the plain listener the lookup handed out (data-tls
 *           "1" keeps wss on port P instead).
 *
 * The same settings may be given as window.SIG2RTM_REDIRECT = { lbs, ws, tls } before this
 * script runs. Other requests and sockets of the page are left alone.
 */
(function () {
  'use strict';
  var script = document.currentScript;
  var given = window.SIG2RTM_REDIRECT || {};
  function setting(name) {
    if (given[name] !== undefined) return String(given[name]);
    return script && script.getAttribute('data-' + name);
  }
  var lbs = (setting('lbs') || '').replace(/\/+$/, '');
  var ws = setting('ws');
  var tls = setting('tls') === '1';
  if (!lbs && !ws) {
    if (window.console) console.warn('sig2rtm-redirect: neither data-lbs nor data-ws is set; nothing is redirected');
    return;
  }

  var SDK_SOCKET = /^wss?:\/\/(\d+)-(\d+)-(\d+)-(\d+)-sig-web\.agora\.io:(\d+)\/?$/;
  function socketUrl(url) {
    var text = String(url);
    if (ws && /-sig-web\.agora\.io[:/]/.test(text)) return ws;
    var m = SDK_SOCKET.exec(text);
    if (!m) return url;
    var host = m[1] + '.' + m[2] + '.' + m[3] + '.' + m[4];
    var port = Number(m[5]);
    return tls ? 'wss://' + host + ':' + port + '/' : 'ws://' + host + ':' + (port - 1) + '/';
  }

  var NativeWebSocket = window.WebSocket;
  if (NativeWebSocket) {
    var Redirected = function (url, protocols) {
      var target = socketUrl(url);
      return protocols === undefined ? new NativeWebSocket(target) : new NativeWebSocket(target, protocols);
    };
    Redirected.prototype = NativeWebSocket.prototype;
    ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'].forEach(function (k) {
      Redirected[k] = NativeWebSocket[k];
    });
    window.WebSocket = Redirected;
  }

  var NativeXhr = window.XMLHttpRequest;
  if (NativeXhr && lbs) {
    var open = NativeXhr.prototype.open;
    NativeXhr.prototype.open = function (method, url) {
      var args = Array.prototype.slice.call(arguments);
      var m = /^https?:\/\/[^/]+(\/getaddr\?vid=.*)$/.exec(String(url));
      if (m) args[1] = lbs + m[1];
      return open.apply(this, args);
    };
  }
})();
