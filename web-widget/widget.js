/*
 * Hotline web-chat widget: hand-written ES2019, no framework, no build step.
 * Embed once per site:  <script src="https://HOTLINE/chat/widget.js" data-site="SITE_KEY" data-lang="zh|en" async></script>
 * Everything a person typed is put on the page with textContent, never innerHTML,
 * so a message can carry any characters and stays text (no HTML/script injection).
 */
(function () {
  'use strict';
  var script = document.currentScript || document.querySelector('script[data-site][src*="/chat/widget.js"]');
  if (!script || window.__hotlineWidget) return;
  window.__hotlineWidget = true;
  var base = new URL(script.src, location.href).origin;
  var siteKey = script.getAttribute('data-site');
  var pageMode = script.getAttribute('data-mode') === 'page';
  var lang = script.getAttribute('data-lang') || ((navigator.language || 'zh').toLowerCase().indexOf('zh') === 0 ? 'zh' : 'en');
  var T = {
    zh: { send: '发送', close: '结束会话', title: '在线咨询', leave: '留言', submit: '提交', thanks: '感谢留言，我们会尽快联系您。', rate: '评价', comment: '评价意见', file: '文件', recalled: '消息已撤回', read: '已读', typing: '对方正在输入…', invite: '咨询' },
    en: { send: 'Send', close: 'End chat', title: 'Chat', leave: 'Leave a message', submit: 'Submit', thanks: 'Thank you, we will get back to you soon.', rate: 'Rate', comment: 'Comment', file: 'File', recalled: 'Message recalled', read: 'Read', typing: 'Typing…', invite: 'Chat' },
  }[lang === 'en' ? 'en' : 'zh'];
  var COOKIE = 'hotline_vid_' + siteKey;

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { if (k === 'style') e.style.cssText = attrs[k]; else e.setAttribute(k, attrs[k]); });
    if (text != null) e.textContent = String(text);
    return e;
  }
  function readCookie(name) {
    var m = document.cookie.match(new RegExp('(?:^|; )' + name.replace(/[-.]/g, '\\$&') + '=([^;]*)'));
    return m ? decodeURIComponent(m[1]) : null;
  }
  function saveToken(t) {
    document.cookie = COOKIE + '=' + encodeURIComponent(t) + '; path=/; max-age=31536000; SameSite=Lax';
    try { localStorage.setItem(COOKIE, t); } catch (e) { /* storage may be off */ }
  }
  function loadToken() {
    var t = readCookie(COOKIE);
    if (!t) try { t = localStorage.getItem(COOKIE); } catch (e) { t = null; }
    return t;
  }
  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      if (window.io) return resolve();
      var s = el('script', { src: src });
      s.onload = function () { resolve(); };
      s.onerror = reject;
      document.head.appendChild(s);
    });
  }
  function post(path, body, token) {
    var h = { 'content-type': 'application/json' };
    if (token) h['x-visitor-token'] = token;
    // The token header identifies the visitor; cross-origin requests carry no cookies (see crossOriginPaths).
    return fetch(base + path, { method: 'POST', headers: h, body: JSON.stringify(body) }).then(function (r) { return r.json().then(function (j) { if (!r.ok) throw j; return j; }); });
  }

  var q = new URLSearchParams(location.search);
  var identity = q.get('customerId') ? { customerId: q.get('customerId'), name: q.get('name') || '', ts: Number(q.get('ts')), sig: q.get('sig') || '' } : undefined;
  var state = { token: loadToken(), site: null, socket: null, conv: null, open: false };

  var root = el('div', { id: 'hotline-chat', style: 'all:initial;font:14px/1.4 system-ui,sans-serif;position:fixed;z-index:2147483000;bottom:16px;' });
  var button = el('button', { type: 'button', 'data-hotline': 'button', style: 'border:0;border-radius:24px;padding:12px 18px;color:#fff;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.2);display:none' });
  var panel = el('div', { 'data-hotline': 'panel', style: 'display:none;flex-direction:column;background:#fff;border-radius:8px;box-shadow:0 4px 16px rgba(0,0,0,.25);overflow:hidden;width:min(360px,calc(100vw - 32px));height:min(520px,calc(100vh - 90px))' });
  var header = el('div', { style: 'padding:10px 12px;color:#fff;display:flex;justify-content:space-between;align-items:center' });
  var titleEl = el('span', null, T.title);
  var closeBtn = el('button', { type: 'button', style: 'background:transparent;border:1px solid #fff;color:#fff;border-radius:4px;cursor:pointer' }, T.close);
  header.appendChild(titleEl); header.appendChild(closeBtn);
  var status = el('div', { 'data-hotline': 'status', style: 'padding:4px 12px;color:#666;font-size:12px;min-height:16px' });
  var list = el('div', { 'data-hotline': 'messages', style: 'flex:1;overflow-y:auto;padding:8px 12px;background:#f6f7f9' });
  var extra = el('div', { style: 'padding:0 12px' });
  var form = el('form', { style: 'display:flex;gap:6px;padding:8px;border-top:1px solid #eee' });
  var input = el('input', { 'data-hotline': 'input', type: 'text', maxlength: '5000', style: 'flex:1;padding:8px;border:1px solid #ccc;border-radius:4px;font-size:16px' });
  var fileIn = el('input', { type: 'file', accept: 'image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,.docx,.xlsx,.zip', style: 'display:none' });
  var fileBtn = el('button', { type: 'button', title: T.file, style: 'border:1px solid #ccc;background:#fff;border-radius:4px;cursor:pointer' }, '📎');
  var sendBtn = el('button', { type: 'submit', 'data-hotline': 'send', style: 'border:0;color:#fff;border-radius:4px;padding:0 12px;cursor:pointer' }, T.send);
  form.appendChild(fileBtn); form.appendChild(input); form.appendChild(fileIn); form.appendChild(sendBtn);
  panel.appendChild(header); panel.appendChild(status); panel.appendChild(list); panel.appendChild(extra); panel.appendChild(form);
  root.appendChild(panel); root.appendChild(button);

  function colorize(c) { button.style.background = c; header.style.background = c; sendBtn.style.background = c; }
  function show(open) {
    state.open = open;
    panel.style.display = open ? 'flex' : 'none';
    button.style.display = open && !pageMode ? 'none' : pageMode ? 'none' : 'block';
    if (open) connect();
  }
  var shown = {};
  function addMessage(m) {
    if (shown[m.id]) return;
    shown[m.id] = true;
    var mine = m.senderKind === 'visitor';
    var row = el('div', { 'data-id': m.id, 'data-kind': m.kind, style: 'margin:6px 0;display:flex;justify-content:' + (m.senderKind === 'system' ? 'center' : mine ? 'flex-end' : 'flex-start') });
    var bubble = el('div', { 'data-hotline': 'bubble', style: 'max-width:80%;white-space:pre-wrap;word-break:break-word;padding:6px 10px;border-radius:8px;' + (m.senderKind === 'system' ? 'color:#888;font-size:12px' : mine ? 'background:#d8ecff' : 'background:#fff') });
    if (m.recalledAt) bubble.textContent = T.recalled;
    else if ((m.kind === 'image' || m.kind === 'file') && m.fileId) {
      var a = el('a', { href: base + '/api/chat/files/' + encodeURIComponent(m.fileId), target: '_blank', rel: 'noopener noreferrer' }, m.body);
      bubble.appendChild(a);
    } else bubble.textContent = m.body;
    row.appendChild(bubble);
    list.appendChild(row);
    list.scrollTop = list.scrollHeight;
    if (!mine && state.conv && state.open) state.socket.emit('read', { conversationId: state.conv.id, upTo: m.id });
  }
  function setConv(c) {
    state.conv = c;
    if (!c) return;
    input.placeholder = c.inputHint || '';
    status.textContent = c.state === 'queued' && c.position ? '#' + c.position : c.state === 'active' && c.agentName ? c.agentName : '';
  }
  function showNavigation(nav) {
    extra.textContent = '';
    extra.appendChild(el('div', { style: 'margin:6px 0;color:#333' }, nav.prompt));
    nav.options.forEach(function (o) {
      var b = el('button', { type: 'button', 'data-hotline': 'topic', style: 'margin:2px;border:1px solid #ccc;background:#fff;border-radius:4px;cursor:pointer;padding:4px 8px' }, o.title);
      b.onclick = function () { extra.textContent = ''; state.socket.emit('topic', { conversationId: nav.conversationId, navigation: o.id }, function (r) { if (r.ok) setConv(r.data); }); };
      extra.appendChild(b);
    });
  }
  function showLeaveMessage(lm) {
    extra.textContent = '';
    if (!lm.fields.length) return;
    var f = el('form', { 'data-hotline': 'leave', style: 'display:flex;flex-direction:column;gap:4px;margin:6px 0' });
    f.appendChild(el('strong', null, T.leave));
    lm.fields.forEach(function (fd) {
      var i = el(fd.type === 'textarea' ? 'textarea' : 'input', { name: fd.key, placeholder: (lang === 'en' ? fd.label : fd.labelZh) + (fd.required ? ' *' : ''), style: 'padding:6px;border:1px solid #ccc;border-radius:4px;font-size:16px' });
      if (fd.required) i.required = true;
      f.appendChild(i);
    });
    f.appendChild(el('button', { type: 'submit' }, T.submit));
    f.onsubmit = function (e) {
      e.preventDefault();
      var fields = {};
      lm.fields.forEach(function (fd) { fields[fd.key] = f.elements[fd.key].value; });
      post('/api/chat/visitor/leave-message', { fields: fields, reason: lm.reason }, state.token).then(function () { extra.textContent = T.thanks; });
    };
    extra.appendChild(f);
  }
  function showRating(req) {
    extra.textContent = '';
    var box = el('div', { 'data-hotline': 'rating', style: 'margin:6px 0' });
    box.appendChild(el('div', null, req.text));
    var comment = req.comment ? el('input', { placeholder: T.comment, style: 'width:100%;margin-top:4px' }) : null;
    req.options.forEach(function (o) {
      var b = el('button', { type: 'button', style: 'margin:2px;cursor:pointer' }, lang === 'en' ? o.en : o.zh);
      b.onclick = function () { state.socket.emit('rate', { conversationId: req.conversationId, level: o.level, tags: [], comment: comment ? comment.value : null }, function () { extra.textContent = ''; }); };
      box.appendChild(b);
    });
    if (comment) box.appendChild(comment);
    extra.appendChild(box);
  }

  function connect() {
    if (state.socket) return;
    loadScript(base + state.site.socketPath + '/socket.io.min.js').then(function () {
      var s = (state.socket = window.io(base + '/visitor', { path: state.site.socketPath, auth: { token: state.token }, transports: ['websocket', 'polling'] }));
      s.on('connect', function () {
        s.emit('start', {}, function (r) { if (r.ok) { setConv(r.data); s.emit('history', { limit: 50 }, function (h) { if (h.ok) h.data.messages.slice().reverse().forEach(addMessage); }); } });
      });
      s.on('message', addMessage);
      s.on('state', setConv);
      s.on('queue', function (p) { status.textContent = '#' + p.position; });
      s.on('navigation', showNavigation);
      s.on('leave_message', showLeaveMessage);
      s.on('rating.request', showRating);
      s.on('message.recalled', function (r) { var row = list.querySelector('[data-id="' + r.messageId + '"] [data-hotline="bubble"]'); if (row) row.textContent = r.text; });
      s.on('typing', function (t) { status.textContent = t.typing ? T.typing : ''; });
      s.on('message.read', function (r) { r.ids.forEach(function (id) { var row = list.querySelector('[data-id="' + id + '"]'); if (row) row.title = T.read; }); });
    });
  }

  form.onsubmit = function (e) {
    e.preventDefault();
    var text = input.value;
    if (!text.trim() || !state.conv) return;
    input.value = '';
    state.socket.emit('send', { conversationId: state.conv.id, kind: 'text', text: text }, function (r) { if (r.ok) addMessage(r.data); });
  };
  input.oninput = function () { if (state.conv && state.conv.state === 'active') state.socket.emit('typing', { conversationId: state.conv.id, typing: true }); };
  fileBtn.onclick = function () { fileIn.click(); };
  fileIn.onchange = function () {
    var f = fileIn.files && fileIn.files[0];
    if (!f || !state.conv) return;
    var fd = new FormData();
    fd.append('file', f, f.name);
    fetch(base + '/api/chat/conversations/' + state.conv.id + '/files', { method: 'POST', headers: { 'x-visitor-token': state.token }, body: fd })
      .then(function (r) { return r.json().then(function (j) { if (!r.ok) throw j; return j; }); })
      .then(function (file) { state.socket.emit('send', { conversationId: state.conv.id, kind: file.kind, fileId: file.id }, function (r) { if (r.ok) addMessage(r.data); }); })
      .catch(function (err) { status.textContent = (err && err.error && err.error.message) || 'upload failed'; });
    fileIn.value = '';
  };
  closeBtn.onclick = function () {
    if (state.conv && state.conv.state !== 'ended') state.socket.emit('end', { conversationId: state.conv.id }, function (r) { if (r.ok) setConv(r.data); });
    else if (!pageMode) show(false);
  };
  button.onclick = function () { show(true); };

  post('/api/chat/visitor/session', { site: siteKey, token: state.token || undefined, language: lang, page: { url: location.href, title: document.title, referrer: document.referrer }, identity: identity }).then(function (s) {
    state.token = s.token;
    saveToken(s.token);
    state.site = s.site;
    var w = s.site.widget || {};
    colorize(w.color || '#1677ff');
    button.textContent = (w.buttonText && w.buttonText[lang]) || T.invite;
    if (w.welcome && w.welcome[lang]) list.appendChild(el('div', { style: 'color:#555;margin:6px 0' }, w.welcome[lang]));
    if (pageMode) {
      root.style.cssText = 'position:fixed;inset:0;font:14px/1.4 system-ui,sans-serif';
      panel.style.width = '100%'; panel.style.height = '100%'; panel.style.borderRadius = '0';
    } else if (w.position === 'bottom-left') root.style.left = '16px';
    else root.style.right = '16px';
    document.body.appendChild(root);
    if (pageMode) return show(true);
    setTimeout(function () { button.style.display = 'block'; }, (w.delaySeconds || 0) * 1000);
    if (w.invitation && w.invitation.enabled) {
      setTimeout(function () {
        if (state.open) return;
        var pop = el('div', { 'data-hotline': 'invitation', style: 'position:absolute;bottom:56px;' + (w.position === 'bottom-left' ? 'left:0' : 'right:0') + ';background:#fff;padding:10px;border-radius:8px;box-shadow:0 2px 8px rgba(0,0,0,.2);width:220px;cursor:pointer' }, w.invitation[lang]);
        pop.onclick = function () { pop.remove(); show(true); };
        root.appendChild(pop);
      }, (w.invitation.afterSeconds || 0) * 1000);
    }
  });
})();
