// Hotline web chat: the same screening bot as SMS, in a browser.
//
// Plain JavaScript with no library: the page must load fast on a cheap phone and
// pass a strict Content-Security-Policy (no inline code, nothing from elsewhere).
// The server does all the thinking; this file only sends what the person types to
// POST /chat/messages and shows the replies.
'use strict';

(function () {
  // Every key this page writes. sessionStorage only: it dies with the tab, and a
  // person who shares a device must not find the conversation later. Only what
  // is needed to go on is kept, never the words of the conversation: a reload
  // asks the server for the question again instead. Nothing goes in the URL,
  // which ends up in history, bookmarks and server logs.
  const KEY = {
    session: 'hotline.session',
    lang: 'hotline.lang',
    seen: 'hotline.seen', // when the page last heard from the server, in ms
    copied: 'hotline.copied', // the page put a reference on the clipboard
    token: 'hotline.adminToken',
    exitURL: 'hotline.exitURL', // set by tests; people get the default below
  };
  // Where Quick exit goes: a dull, common site that explains nothing.
  const DEFAULT_EXIT_URL = 'https://www.weather.gov/';
  // Two presses of Escape closer than this leave the page; one press alone may
  // just close the phone's keyboard or a browser popup.
  const DOUBLE_ESCAPE_MS = 1000;
  // A reload later than this after the last answer starts anew: whoever
  // reloads a tab left open that long may not be the person who wrote.
  const RESUME_WITHIN_MS = 30 * 60 * 1000;
  // The keys of older versions of this page, removed when it loads.
  const OLD_KEYS = ['hotline.transcript'];

  const TEXT = {
    en: {
      pageTitle: 'Legal Aid Hotline: chat',
      title: 'Legal Aid Hotline',
      tagline: 'Free legal help',
      exit: 'Quick exit',
      exitHint: 'Press Esc twice to leave fast.',
      exitShort: 'Exit',
      resumed: 'Your conversation goes on. Earlier messages are not shown again, so that no one else can read them here.',
      welcome: 'Hi. This is a free, confidential screening for legal help. Send any message to start, like “hello”.',
      conversation: 'Conversation',
      label: 'Type your answer',
      send: 'Send',
      privacy: 'Only the legal aid office we refer you to will see your answers.',
      bot: 'Hotline:',
      me: 'You:',
      notSent: '(not sent)',
      error: 'Sorry, that didn’t go through. Please try again.',
      wait: (s) => `Sorry, that didn’t go through: too many messages. Please wait ${s} seconds, then try again.`,
      previewTitle: 'Preview for coordinators',
      token: 'Admin token',
      save: 'Save',
      tokenHint: 'Kept in this tab only, sent with each message.',
      tokenSaved: 'Saved. The preview shows after your next message.',
      noPreview: 'The server sent no preview. Check the token, and that the server runs with HOTLINE_PREVIEW=1.',
      previewEmpty: 'Send a message to see where the conversation stands.',
      step: 'Current step',
      flags: 'Flags',
      none: 'none',
      answers: 'Saved answers',
      eligibility: 'Eligibility',
      household: 'Household',
      people: (n) => (n === 1 ? '1 person' : `${n} people`),
      income: 'Income',
      perMonth: 'a month',
      perYear: 'a year',
      guidelineYear: (y) => `Poverty guideline (${y})`,
      percent: 'Percent of guideline',
      restart: 'Restart',
      langName: { en: 'English', es: 'Spanish' },
      email: 'The referral email',
      emailTo: 'To:',
      handoff: 'The JSON hand-off',
      handoffTo: (url) => `POSTed, signed, to ${url}`,
      handoffNone: 'Sent only to an organization with handoff: in directory.yaml. This one would get:',
      safetyTitle: 'Help right now',
      choicesLabel: 'Answers',
      startNew: 'Start a new screening',
      startAgain: 'Start again',
      clearChat: 'Clear this chat',
      resultTitle: 'Your referral',
      call: (phone) => `Call ${phone}`,
      hours: 'Hours:',
      reference: 'Your reference:',
      copy: 'Copy',
      copied: 'Copied',
      tracksTitle: 'Staying safe online',
      tracks: 'If someone checks your phone or computer: use a private (incognito) window, and afterwards clear your browser history. If you call a number from this page, delete it from your call log; if you copied something, copy something else over it. Quick exit (or Esc twice) leaves this page at once.',
    },
    es: {
      // The hotline's name stays as the bot says it, in both languages.
      pageTitle: 'Legal Aid Hotline: chat',
      title: 'Legal Aid Hotline',
      tagline: 'Ayuda legal gratis',
      exit: 'Salida rápida',
      exitHint: 'Pulse Esc dos veces para salir rápido.',
      exitShort: 'Salir',
      resumed: 'Su conversación sigue. Los mensajes anteriores no se muestran otra vez, para que nadie más los lea aquí.',
      welcome: 'Hola. Esta es una evaluación gratuita y confidencial para recibir ayuda legal. Envíe cualquier mensaje para empezar, como “hola”.',
      conversation: 'Conversación',
      label: 'Escriba su respuesta',
      send: 'Enviar',
      privacy: 'Solo la oficina de ayuda legal a la que le enviemos verá sus respuestas.',
      bot: 'Línea de ayuda:',
      me: 'Usted:',
      notSent: '(no enviado)',
      error: 'Lo sentimos, no se envió. Por favor intente de nuevo.',
      wait: (s) => `Lo sentimos, no se envió: demasiados mensajes. Espere ${s} segundos e intente de nuevo.`,
      previewTitle: 'Vista previa para coordinadores',
      token: 'Clave de administración',
      save: 'Guardar',
      tokenHint: 'Se guarda solo en esta pestaña y se envía con cada mensaje.',
      tokenSaved: 'Guardada. La vista previa aparece después de su próximo mensaje.',
      noPreview: 'El servidor no envió vista previa. Revise la clave, y que el servidor corra con HOTLINE_PREVIEW=1.',
      previewEmpty: 'Envíe un mensaje para ver el estado de la conversación.',
      step: 'Paso actual',
      flags: 'Marcas',
      none: 'ninguna',
      answers: 'Respuestas guardadas',
      eligibility: 'Elegibilidad',
      household: 'Hogar',
      people: (n) => (n === 1 ? '1 persona' : `${n} personas`),
      income: 'Ingresos',
      perMonth: 'al mes',
      perYear: 'al año',
      guidelineYear: (y) => `Guía de pobreza (${y})`,
      percent: 'Porcentaje de la guía',
      restart: 'Reiniciar',
      langName: { en: 'inglés', es: 'español' },
      email: 'El correo del referido',
      emailTo: 'Para:',
      handoff: 'El envío JSON',
      handoffTo: (url) => `Enviado por POST, firmado, a ${url}`,
      handoffNone: 'Solo se envía a una organización con handoff: en directory.yaml. Esta recibiría:',
      safetyTitle: 'Ayuda ahora mismo',
      choicesLabel: 'Respuestas',
      startNew: 'Empezar una evaluación nueva',
      startAgain: 'Empezar de nuevo',
      clearChat: 'Borrar este chat',
      resultTitle: 'Su referido',
      call: (phone) => `Llamar al ${phone}`,
      hours: 'Horario:',
      reference: 'Su referencia:',
      copy: 'Copiar',
      copied: 'Copiado',
      tracksTitle: 'Protegerse en línea',
      tracks: 'Si alguien revisa su teléfono o computadora: use una ventana privada (incógnito) y después borre el historial del navegador. Si llama a un número desde esta página, bórrelo del registro de llamadas; si copió algo, copie otra cosa encima. Salida rápida (o Esc dos veces) sale de esta página enseguida.',
    },
  };

  const $ = (id) => document.getElementById(id);
  const log = $('log');
  const form = $('composer');
  const input = $('text');
  const sendButton = $('send');
  const exitButton = $('quick-exit');
  const langToggle = $('lang-toggle');
  const preview = $('preview');
  const choicesBox = $('choices');
  const progressLine = $('progress');
  const ending = $('ending');
  const startNewButton = $('start-new');
  const safetyPanel = $('safety');

  // The browser may refuse storage (private mode, blocked cookies): the chat must
  // still work for this page view, so every access goes through these.
  const store = {
    get(key) {
      try { return window.sessionStorage.getItem(key); } catch (e) { return null; }
    },
    set(key, value) {
      try { window.sessionStorage.setItem(key, value); } catch (e) { /* works without */ }
    },
  };

  let lang = chooseLanguage();
  let busy = false; // a message is on its way; a second one would race it
  let inflight = null; // its AbortController, so that Quick exit can drop it
  let exiting = false;
  // generation counts the times the screen was wiped: an answer that comes
  // back after one belongs to nothing on the page any more.
  let generation = 0;
  let lastEscape = 0;

  function chooseLanguage() {
    const saved = store.get(KEY.lang);
    if (saved === 'en' || saved === 'es') return saved;
    const wanted = (navigator.languages && navigator.languages[0]) || navigator.language || 'en';
    return wanted.toLowerCase().startsWith('es') ? 'es' : 'en';
  }

  // setLanguage switches the page's own words; the bot's words come from the
  // server in the conversation's language.
  function setLanguage(next, remember) {
    lang = next;
    const t = TEXT[lang];
    document.documentElement.lang = lang;
    // A neutral title the server was given (HOTLINE_CHAT_TITLE) stays.
    document.title = document.documentElement.dataset.title || t.pageTitle;
    for (const el of document.querySelectorAll('[data-i18n]')) {
      const v = t[el.dataset.i18n];
      if (typeof v === 'string') el.textContent = v;
    }
    for (const el of document.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t[el.dataset.i18nLabel]);
    for (const el of document.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t[el.dataset.i18nPlaceholder];
    // The toggle names the other language in that language, so that someone who
    // cannot read the current one still recognises it. Narrow screens show the
    // short code; the full name stays the button's accessible name.
    const other = lang === 'en' ? 'es' : 'en';
    langToggle.querySelector('.long').textContent = other === 'es' ? 'Español' : 'English';
    langToggle.querySelector('.short').textContent = other.toUpperCase();
    langToggle.lang = other;
    if (remember) store.set(KEY.lang, lang);
  }

  // ---- the conversation ----

  // A phone number in a reply becomes a link, so a person on a phone can tap to
  // call the clinic. Text nodes only: a reply is never parsed as HTML.
  const PHONE = /(?:\b1[-. ])?\(?\b\d{3}\)?[-. ]\d{3}-\d{4}\b|\b911\b/g;

  // appendPhone writes a phone number as its space-separated parts, each kept
  // whole: where no line can hold the number (large text on a narrow screen)
  // it breaks at a space, never inside "555-0111".
  function appendPhone(el, number) {
    number.split(' ').forEach((part, i) => {
      if (i > 0) el.append(' ');
      const span = document.createElement('span');
      span.className = 'phone-part';
      span.textContent = part;
      el.append(span);
    });
  }

  function appendWithPhoneLinks(el, text, linkClass) {
    let last = 0;
    for (const m of text.matchAll(PHONE)) {
      el.append(text.slice(last, m.index));
      const digits = m[0].replace(/\D/g, '');
      const a = document.createElement('a');
      if (linkClass) a.className = linkClass;
      a.href = 'tel:' + (digits.length === 10 ? '+1' + digits : digits.length === 11 ? '+' + digits : digits);
      appendPhone(a, m[0]);
      el.append(a);
      last = m.index + m[0].length;
    }
    el.append(text.slice(last));
  }

  // reveal scrolls the conversation to show el from its start, or (el null)
  // its end. The log scrolls by itself, except on a screen too short for
  // that (400% zoom, large text: see app.css), where the whole page does.
  function reveal(el) {
    if (getComputedStyle(log).overflowY !== 'visible') {
      log.scrollTop = el ? Math.max(0, el.offsetTop - 12) : log.scrollHeight;
      return;
    }
    const y = el ? el.getBoundingClientRect().top + window.scrollY - 12 : document.documentElement.scrollHeight;
    window.scrollTo(0, Math.max(0, y));
  }

  // addMessage shows one line of the conversation. kind is "bot" (a reply from
  // the server), "me" (what the person sent) or "notice" (the page's own words).
  function addMessage(kind, text) {
    const p = document.createElement('p');
    p.className = 'msg ' + kind;
    // Who said it, for screen readers going back through the log; bubbles show
    // it by their side and colour.
    if (kind !== 'notice') {
      const who = document.createElement('span');
      who.className = 'visually-hidden';
      who.textContent = TEXT[lang][kind] + ' ';
      p.append(who);
    }
    if (kind === 'bot') appendWithPhoneLinks(p, text); else p.append(text);
    log.append(p);
    reveal(null);
    return p;
  }

  function markFailed(p) {
    p.classList.add('failed');
    const s = document.createElement('span');
    s.className = 'status';
    s.textContent = ' ' + TEXT[lang].notSent;
    p.append(s);
  }

  // forget drops the conversation from the page and from this tab: the
  // messages on screen and the session. The next message starts anew.
  function forget() {
    wipeScreen();
    try {
      window.sessionStorage.removeItem(KEY.session);
      window.sessionStorage.removeItem(KEY.seen);
    } catch (e) { /* nothing stored */ }
  }

  // wipeScreen takes every word of the conversation off the page: the
  // messages, a half-typed or failed message in the box, the preview, and
  // what was on its way.
  function wipeScreen() {
    generation++;
    if (inflight) inflight.abort();
    clearLog();
    showQuestion(null);
    setEnded('');
    lastQuestion = null;
    input.value = '';
    retry = null;
    pendingSwitch = null;
    $('preview-body').querySelectorAll('dl, ul, pre').forEach((el) => el.replaceChildren());
    setBusy('idle');
  }

  // clearLog takes the conversation's words off the screen: the messages, the
  // result cards and the safety panel.
  function clearLog() {
    log.querySelectorAll('.msg:not(.intro), .result').forEach((m) => m.remove());
    safetyPanel.hidden = true;
    $('safety-text').replaceChildren();
  }

  // resume decides what a page that loads in a tab with a conversation shows.
  // Nothing of it is kept in the browser. A reload (the person's own F5) goes
  // on: the server is asked for the question again (HELP repeats it, and
  // changes nothing), with a line saying why earlier messages are not shown.
  // Any other way back to the page (Back after leaving, the address typed
  // again) shows nothing and starts anew: it may be someone else at the screen.
  function resume() {
    OLD_KEYS.forEach((k) => { try { window.sessionStorage.removeItem(k); } catch (e) { /* none */ } });
    if (!store.get(KEY.session)) return;
    const nav = (performance.getEntriesByType && performance.getEntriesByType('navigation')[0]) || {};
    const seen = parseInt(store.get(KEY.seen), 10) || 0;
    if (nav.type !== 'reload' || Date.now() - seen > RESUME_WITHIN_MS) {
      forget();
      return;
    }
    send('HELP', { quiet: true, resuming: true });
  }

  function setBusy(state) {
    busy = state !== 'idle';
    form.dataset.state = state;
    form.setAttribute('aria-busy', String(state === 'busy'));
    // aria-disabled rather than disabled: a disabled button drops the focus of
    // someone who just pressed it, and keyboard users would lose their place.
    sendButton.setAttribute('aria-disabled', String(busy));
    const typing = log.querySelector('.typing');
    if (state === 'busy' && !typing) {
      const dots = document.createElement('p');
      dots.className = 'msg typing';
      dots.setAttribute('aria-hidden', 'true'); // the live region announces the reply itself
      dots.append(document.createElement('span'), document.createElement('span'), document.createElement('span'));
      log.append(dots);
      reveal(null);
    } else if (state !== 'busy' && typing) {
      typing.remove();
    }
  }

  // retry is the last message that did not go through, with its id.
  let retry = null;

  // newMessageID returns 16 random bytes in hex.
  function newMessageID() {
    const b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  }

  // pendingSwitch is a language chosen with the button while a message was on
  // its way: the conversation is told once that message is answered.
  let pendingSwitch = null;

  // send posts a message and shows the replies. A quiet one (the page's own
  // HELP when it resumes, or the language button's switch: opts.switchTo)
  // shows no bubble of the person's, keeps its own id, and leaves the box and
  // the keyboard alone.
  async function send(raw, opts) {
    const quiet = !!(opts && opts.quiet);
    const switchTo = (opts && opts.switchTo) || '';
    // shown is what the person's bubble says, when it is not what is sent: a
    // button's text ("Housing or eviction") for its answer ("1").
    const shown = (opts && opts.shown) || '';
    const text = raw.trim();
    if (exiting) return;
    if (busy) {
      if (switchTo) pendingSwitch = switchTo;
      return;
    }
    if (!text && !switchTo) {
      input.focus();
      return;
    }
    const gen = generation;
    const mine = quiet ? null : addMessage('me', shown || text);
    if (mine && shown) mine.dataset.button = 'yes';
    if (!quiet) {
      input.value = '';
      showQuestion(null); // answered: its buttons go until the next question
    }
    setBusy('busy');

    const headers = { 'Content-Type': 'application/json' };
    const token = previewOn() ? store.get(KEY.token) : null;
    if (token) headers.Authorization = 'Bearer ' + token;
    const session = store.get(KEY.session) || '';
    // A message keeps its id when it is sent again after a failure, so that the
    // server applies it once even if the first try did reach it. The page's
    // own quiet messages never touch that.
    let id = newMessageID();
    if (!quiet) {
      if (retry && retry.text === text) id = retry.id;
      retry = { text, id };
    }
    inflight = new AbortController();
    let data;
    try {
      const res = await fetch('/chat/messages', {
        method: 'POST',
        headers,
        // lang: a new conversation starts in the page's language, when the
        // page is in it for a reason (the browser's Spanish, or the person's
        // own choice); an English page by default still lets the bot ask,
        // for a Spanish speaker on an English phone.
        body: JSON.stringify(switchTo ? { session, text: '', id, lang: switchTo, switch: true }
          : { session, text, id, lang: lang !== 'en' || store.get(KEY.lang) ? lang : '' }),
        cache: 'no-store',
        credentials: 'same-origin',
        signal: inflight.signal,
      });
      if (res.status === 429) {
        // The server says how long to wait; sending sooner only fails again.
        const after = parseInt(res.headers.get('Retry-After'), 10) || 5;
        return failed(mine, text, Math.min(Math.max(after, 1), 120));
      }
      // A session the server does not know (its secret changed): the next
      // message starts a new one rather than failing for ever.
      if (res.status === 400 && session) store.set(KEY.session, '');
      if (!res.ok) return failed(mine, text, 0);
      data = await res.json();
    } catch (e) {
      if (exiting || gen !== generation) return; // Quick exit or a wipe aborted it on purpose
      return failed(mine, text, 0);
    } finally {
      inflight = null;
    }
    if (exiting || gen !== generation) return;
    if (!data || typeof data.session !== 'string' || !Array.isArray(data.replies)) return failed(mine, text, 0);

    if (!quiet) retry = null;
    // STOP deleted the answers: they leave this screen too, the person's
    // STOP with them, and only the bot's reply stays.
    if (data.ended === 'stopped') clearLog();
    store.set(KEY.session, data.session);
    store.set(KEY.seen, String(Date.now()));
    // After a reload: say why earlier messages are missing, when there is a
    // conversation to go on with (a question waits).
    if (opts && opts.resuming && data.question) addMessage('notice', TEXT[lang].resumed);
    // The page follows the conversation's language, whichever way it changed
    // ("en español" typed, the button): the two never drift apart.
    // (Not while a click on the button waits to be told: it would undo it.)
    if (!pendingSwitch && typeof data.lang === 'string' && TEXT[data.lang] && data.lang !== lang) setLanguage(data.lang, true);
    let first = null;
    for (const r of data.replies) {
      if (typeof r !== 'string') continue;
      const p = addMessage('bot', r);
      first = first || p;
    }
    setBusy('idle');
    // The buttons and the ending first: they take room from the log, and
    // the scrolling below must know how much is left.
    const card = showScreen(data, quiet);
    // Show the replies from their start: a long one on a small screen would
    // otherwise open on its last lines. The browser stops at the bottom, so
    // short replies simply end up in view. A result card is what matters most.
    const top = card || (mine && mine.isConnected ? mine : null) || first;
    if (top) reveal(top);
    if (previewOn()) renderPreview(data.preview);
    if (!quiet && !form.hidden) input.focus();
    if (pendingSwitch) {
      const next = pendingSwitch;
      pendingSwitch = null;
      if (next === lang) send('', { quiet: true, switchTo: next });
    }
  }

  // failed shows a polite line, gives the text back to edit or resend, and lets
  // the person send again (after the server's wait, on 429).
  function failed(mine, text, waitSeconds) {
    showQuestion(lastQuestion); // the question still waits: its buttons too
    if (!mine) { // the page's own quiet message: nothing to give back
      setBusy(waitSeconds ? 'wait' : 'idle');
      if (waitSeconds) setTimeout(() => { if (!exiting) setBusy('idle'); }, waitSeconds * 1000);
      return;
    }
    markFailed(mine);
    const t = TEXT[lang];
    addMessage('notice', waitSeconds ? t.wait(waitSeconds) : t.error);
    // A typed message comes back to the box; a button's answer ("1") would
    // mean nothing there, and its button comes back instead.
    if (!input.value && !mine.dataset.button) input.value = text;
    if (waitSeconds) {
      setBusy('wait');
      setTimeout(() => {
        if (exiting) return;
        setBusy('idle');
        input.focus();
      }, waitSeconds * 1000);
    } else {
      setBusy('idle');
    }
    input.focus();
  }

  // ---- the screen beside the messages: buttons, progress, the ending ----

  // lastQuestion is the question waiting, as the server last described it:
  // its buttons come back if an answer does not go through.
  let lastQuestion = null;

  // The keyboard each kind of answer needs on a phone. The browser's own
  // suggestions stay off (autocomplete="off") for every kind: with "tel" or
  // "postal-code" it may also save what is typed, and a safe number someone
  // gave here must not be offered to the next person at this browser.
  const KEYBOARD = {
    zip: 'numeric',
    number: 'numeric',
    money: 'decimal',
    phone: 'tel',
  };

  // showScreen shows what the server says beside the replies: the question's
  // buttons and progress, how the conversation ended, and the safety panel.
  // It returns the result card it added, if any.
  function showScreen(data, quiet) {
    const q = data.question && typeof data.question === 'object' ? data.question : null;
    lastQuestion = q;
    showQuestion(q);
    if (typeof data.safety === 'string' && data.safety) showSafety(data.safety);
    const card = data.result && typeof data.result === 'object' ? addResultCard(data.result) : null;
    setEnded(typeof data.ended === 'string' ? data.ended : '', quiet);
    return card;
  }

  // showQuestion offers a question's answers as buttons (typing still works),
  // says how far along the screening is, and fits the keyboard to the answer.
  function showQuestion(q) {
    choicesBox.replaceChildren();
    for (const c of (q && Array.isArray(q.choices) ? q.choices : [])) {
      if (!c || typeof c.answer !== 'string' || typeof c.text !== 'string') continue;
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'choice';
      b.textContent = c.text;
      b.addEventListener('click', () => send(c.answer, { shown: c.text }));
      choicesBox.append(b);
    }
    choicesBox.hidden = !choicesBox.firstChild;
    progressLine.textContent = q && typeof q.progress === 'string' ? q.progress : '';
    progressLine.hidden = !progressLine.textContent;
    input.inputMode = (q && KEYBOARD[q.kind]) || 'text';
  }

  // setEnded shows the end of a conversation: after a referral or a STOP,
  // buttons to start anew or clear the chat take the place of the box (a
  // "thank you" typed there would only start the screening again). Any other
  // end keeps the box: whatever is typed next starts anew.
  function setEnded(how, quiet) {
    const over = how === 'referred' || how === 'stopped';
    const was = !ending.hidden;
    ending.hidden = !over;
    form.hidden = over;
    if (!over) return;
    startNewButton.dataset.i18n = how === 'stopped' ? 'startAgain' : 'startNew';
    startNewButton.textContent = TEXT[lang][startNewButton.dataset.i18n];
    if (!was && !quiet) {
      // The box had the focus and is gone: give it to what comes next.
      const call = [...log.querySelectorAll('.result .call')].pop();
      (call || startNewButton).focus({ preventScroll: true });
    }
  }

  // showSafety pins whom to call in danger above the conversation, for as
  // long as the page shows it; its numbers are call buttons.
  function showSafety(text) {
    const p = $('safety-text');
    p.replaceChildren();
    appendWithPhoneLinks(p, text, 'call-link');
    safetyPanel.hidden = false;
  }

  // addResultCard shows the referral as a card at the end of the conversation:
  // whom to call, a large call button, their hours, the reference with a copy
  // button, and what happens next. One card a referral.
  function addResultCard(r) {
    if (typeof r.org !== 'string' || !r.org) return null;
    const key = (r.ref || '') + '|' + r.org;
    if ([...log.querySelectorAll('.result')].some((el) => el.dataset.key === key)) return null;
    const t = TEXT[lang];
    const card = document.createElement('section');
    card.className = 'result';
    card.dataset.key = key;
    const title = document.createElement('h2');
    title.id = 'result-' + log.querySelectorAll('.result').length;
    card.setAttribute('aria-labelledby', title.id);
    const label = document.createElement('span');
    label.className = 'result-label';
    label.textContent = t.resultTitle;
    const org = document.createElement('span');
    org.className = 'result-org';
    org.textContent = r.org;
    title.append(label, org);
    card.append(title);
    if (typeof r.phone === 'string' && r.phone) {
      const call = document.createElement('a');
      call.className = 'call';
      call.href = 'tel:' + (typeof r.tel === 'string' && r.tel ? r.tel : r.phone.replace(/[^\d+]/g, ''));
      // "Call" may wrap away from the number; the number itself never breaks.
      const [before, after] = t.call('\u0000').split('\u0000');
      const number = document.createElement('span');
      number.className = 'nowrap';
      appendPhone(number, r.phone);
      call.append(before, number, after);
      card.append(call);
    }
    if (typeof r.hours === 'string' && r.hours) {
      const hours = document.createElement('p');
      hours.textContent = t.hours + ' ' + r.hours;
      card.append(hours);
    }
    if (typeof r.ref === 'string' && r.ref) {
      const row = document.createElement('p');
      row.className = 'ref-row';
      const ref = document.createElement('strong');
      ref.className = 'ref';
      ref.textContent = r.ref;
      const copy = document.createElement('button');
      copy.type = 'button';
      copy.className = 'secondary copy';
      copy.textContent = t.copy;
      copy.setAttribute('aria-label', t.copy + ' ' + r.ref);
      copy.addEventListener('click', () => copyText(r.ref, copy));
      row.append(t.reference + ' ', ref, ' ', copy);
      card.append(row);
    }
    if (typeof r.next === 'string' && r.next) {
      const next = document.createElement('p');
      next.textContent = r.next;
      card.append(next);
    }
    log.append(card);
    return card;
  }

  // Once the page put a reference on the clipboard (KEY.copied), leaving or
  // clearing the chat empties the clipboard again: phones and computers may
  // keep what was copied where someone else can look.
  function forgetCopy() {
    if (!store.get(KEY.copied)) return;
    try { window.sessionStorage.removeItem(KEY.copied); } catch (e) { /* none */ }
    try { navigator.clipboard.writeText('').catch(() => {}); } catch (e) { /* no clipboard */ }
  }

  // copyText puts text on the clipboard and says so on the button for a
  // moment (its label is read out again to screen readers).
  async function copyText(text, button) {
    try {
      await navigator.clipboard.writeText(text);
    } catch (e) {
      // No clipboard (an old browser, or one that refuses): select the
      // reference, so that the phone's own Copy works on it.
      const sel = window.getSelection();
      const range = document.createRange();
      range.selectNodeContents(button.previousElementSibling);
      sel.removeAllRanges();
      sel.addRange(range);
      return;
    }
    store.set(KEY.copied, '1');
    button.textContent = TEXT[lang].copied;
    setTimeout(() => { button.textContent = TEXT[lang].copy; }, 2000);
  }

  // Start a new screening (or Start again, after STOP) and Clear this chat
  // both take the conversation off the screen and out of this tab; the next
  // message starts anew. Neither leaves a trace of the old one on the page.
  function startOver() {
    forgetCopy();
    forget();
    input.focus();
  }
  startNewButton.addEventListener('click', startOver);
  $('clear-chat').addEventListener('click', startOver);

  form.addEventListener('submit', (ev) => {
    // The page never posts the form itself: the form is there for Enter, labels
    // and assistive technology.
    ev.preventDefault();
    send(input.value);
  });

  // ---- Quick exit ----

  // quickExit leaves at once for a neutral site and leaves nothing behind: the
  // conversation is wiped from the page and from storage, and location.replace
  // swaps this page's history entry, so Back does not bring it back.
  function quickExit() {
    if (exiting) return;
    exiting = true;
    // Hide first, at once: on slow data the next site may take seconds to
    // appear, and until then this page must show nothing. All of it happens
    // in this handler, before the browser paints again.
    document.title = '';
    document.documentElement.classList.add('leaving');
    let target = DEFAULT_EXIT_URL;
    const custom = store.get(KEY.exitURL);
    if (custom && /^https?:\/\//i.test(custom)) target = custom;
    if (inflight) inflight.abort();
    forgetCopy();
    try { window.sessionStorage.clear(); } catch (e) { /* nothing stored */ }
    try { window.localStorage.clear(); } catch (e) { /* nothing stored */ }
    document.body.replaceChildren(); // the conversation, the box, the preview: all of it
    window.location.replace(target);
  }

  exitButton.addEventListener('click', quickExit);
  // The second exit sits beside Send, in view when a phone's keyboard is up
  // and has pushed the header off the screen.
  $('quick-exit-2').addEventListener('click', quickExit);
  // Leaving the page any other way takes the conversation off it too, so that
  // the back-forward cache never shows it again; a page that comes back from
  // that cache starts anew (see resume).
  window.addEventListener('pagehide', () => {
    if (!exiting) wipeScreen();
  });
  window.addEventListener('pageshow', (ev) => {
    if (ev.persisted) forget();
  });
  document.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape') return;
    const now = Date.now();
    if (now - lastEscape < DOUBLE_ESCAPE_MS) {
      ev.preventDefault();
      quickExit();
    }
    lastEscape = now;
  });

  // The language button switches the conversation too, not only the page: in
  // a conversation under way the bot is told (its switch_language words) and
  // asks its question again in the new language.
  langToggle.addEventListener('click', () => {
    const next = lang === 'en' ? 'es' : 'en';
    setLanguage(next, true);
    if (store.get(KEY.session)) send('', { quiet: true, switchTo: next });
  });

  // ---- preview for coordinators ----

  // The preview shows only with #preview in the address: a fragment never reaches
  // the server, and people screening for help never see the panel.
  function previewOn() {
    return window.location.hash === '#preview';
  }

  function showPreviewPanel() {
    const on = previewOn();
    preview.hidden = !on;
    $('layout').classList.toggle('with-preview', on);
    if (on) $('admin-token').value = store.get(KEY.token) || '';
  }

  $('token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const token = $('admin-token').value.trim();
    store.set(KEY.token, token);
    $('token-status').textContent = TEXT[lang].tokenSaved;
    input.focus();
  });

  $('restart').addEventListener('click', () => send('RESTART'));

  function show(id, on) {
    $(id).hidden = !on;
  }

  // renderPreview turns the server's flows.Inspection into readable sections.
  function renderPreview(p) {
    const t = TEXT[lang];
    show('preview-empty', false);
    if (!p) {
      $('token-status').textContent = t.noPreview;
      return;
    }
    $('token-status').textContent = t.tokenHint;
    show('pv-step-section', true);
    $('pv-step').textContent = p.step || '(end)';
    $('pv-language').textContent = p.language ? (t.langName[p.language] || p.language) : '';
    $('pv-language').hidden = !p.language;
    if (p.language === 'en' || p.language === 'es') {
      if (p.language !== lang) setLanguage(p.language, true);
    }

    const flags = $('pv-flags');
    flags.replaceChildren();
    const list = Array.isArray(p.flags) ? p.flags : [];
    for (const f of list.length ? list : [t.none]) {
      const li = document.createElement('li');
      li.textContent = f;
      if (list.length) li.className = f === 'urgent' || f === 'safety_concern' ? 'flag alert' : 'flag';
      flags.append(li);
    }
    // The message just sent made the conversation need a person: say that the
    // coordinator is told, as `hotline chat` does.
    if (p.notice) {
      const li = document.createElement('li');
      li.textContent = `[${p.notice}]`;
      li.className = 'flag alert';
      flags.append(li);
    }
    show('pv-flags-section', true);

    const answers = $('pv-answers');
    answers.replaceChildren();
    const entries = Object.entries(p.answers || {});
    for (const [name, value] of entries) {
      const dt = document.createElement('dt');
      dt.textContent = name;
      const dd = document.createElement('dd');
      dd.textContent = value || '—'; // skipped (SKIP) or left empty
      answers.append(dt, dd);
    }
    show('pv-answers-section', entries.length > 0);

    const e = p.eligibility;
    show('pv-elig-section', !!e);
    if (e) {
      $('pv-household').textContent = t.people(e.household);
      $('pv-income').textContent = `${e.monthly_income} ${t.perMonth} → ${e.annual_income} ${t.perYear}`;
      $('pv-guideline-label').textContent = t.guidelineYear(e.guideline_year);
      $('pv-guideline').textContent = `${e.annual_guideline} ${t.perYear}`;
      $('pv-percent').textContent = `${e.percent_of_guideline}%`;
    }

    // The message made a referral: what the organization gets, the email and
    // the JSON hand-off beside it, as `hotline chat` prints them.
    const r = p.referral;
    show('pv-email-section', !!(r && r.subject));
    show('pv-handoff-section', !!r);
    if (r) {
      $('pv-email-to').textContent = r.to || '';
      $('pv-email-subject').textContent = r.subject || '';
      $('pv-email').textContent = r.text || '';
      $('pv-handoff-to').textContent = r.handoff_url ? t.handoffTo(r.handoff_url) : t.handoffNone;
      $('pv-handoff').textContent = JSON.stringify(r.handoff, null, 2);
    }
  }

  // ---- start ----

  setLanguage(lang, false);
  // Marks the page as running: CSS and the browser tests key on it.
  document.documentElement.classList.add('js');
  showPreviewPanel();
  window.addEventListener('hashchange', showPreviewPanel);
  setBusy('idle');
  resume();
  // Put the cursor in the box, except on touch screens: there it would pop up the
  // keyboard over the welcome line before the person has read it.
  if (!window.matchMedia('(pointer: coarse)').matches) input.focus();
})();
