/*
 * Haven's GraphiQL: sign in through a form, fill the starting tabs from the signed-in
 * person's own records, and follow live sessions over graphql-transport-ws.
 *
 * Nothing secret is kept where a browser keeps things: tokens live in this page's memory
 * only, GraphiQL's tabs and history too (a clinic's computer is shared), and no
 * operation text ever goes into the address bar. Closing or reloading the page signs
 * the browser out of it; signing out also ends the sign-in at Haven.
 */
(function () {
  "use strict";

  const loading = document.getElementById("haven-loading");
  const absent = ["React", "ReactDOM", "GraphiQL"].filter((name) => !window[name]);
  if (absent.length) {
    loading.textContent =
      `GraphiQL did not start: ${absent.join(", ")} did not load from this server. ` +
      "Reload the page; if this message stays, tell whoever runs Haven.";
    loading.classList.add("haven-failed");
    return;
  }

  const config = JSON.parse(document.getElementById("haven-config").textContent);
  const h = React.createElement;
  const ROLES = {
    FACILITATOR: "Facilitator",
    ONLINE_MANAGER: "Online manager",
    MEMBER: "Member",
    SPECIALIST: "Specialist",
  };
  // How a stream of each kind ends, in words; any other: "The stream has ended."
  const ENDINGS = { sessionMessages: "The session has ended." };
  const SECRET = /password|token|authorization/i;
  const USER = "user { id profileName role }";

  // --- The sign-in: in memory, refreshed before it lapses --------------------------------

  const auth = { access: null, refresh: null, user: null, timer: null, notice: "" };
  let refreshing = null;
  let rerenderBar = () => {};

  function claims(token) {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part));
  }

  function adopt(payload) {
    auth.access = payload.accessToken;
    auth.refresh = payload.refreshToken;
    auth.user = payload.user;
    auth.notice = "";
    // The token's own lifetime, counted on this computer's clock from now: a clock
    // that is wrong does not matter. Refreshed a minute early (a fifth, if shorter).
    const { exp, iat } = claims(payload.accessToken);
    const lifetime = (exp - iat) * 1000;
    clearTimeout(auth.timer);
    auth.timer = setTimeout(refresh, Math.max(lifetime - Math.min(60000, lifetime / 5), 1000));
  }

  function refresh() {
    if (!refreshing) refreshing = renew().finally(() => (refreshing = null));
    return refreshing;
  }

  async function renew() {
    if (!auth.refresh) return false;
    const result = await post(
      {
        query: `mutation Refresh($token: String!) { refreshToken(token: $token) { accessToken refreshToken ${USER} } }`,
        variables: { token: auth.refresh },
        operationName: "Refresh",
      },
      { anonymous: true },
    );
    if (result.data && result.data.refreshToken) {
      adopt(result.data.refreshToken);
      rerenderBar();
      return true;
    }
    if (hasCode(result, "UNAUTHENTICATED") || hasCode(result, "FORBIDDEN")) {
      forget("Your sign-in has ended. Sign in again to go on.");
    } else {
      clearTimeout(auth.timer); // Haven is out of reach: try again shortly
      auth.timer = setTimeout(refresh, 15000);
    }
    return false;
  }

  async function signIn(email, password) {
    const result = await post(
      {
        query: `mutation SignIn($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken refreshToken ${USER} } }`,
        variables: { email, password },
        operationName: "SignIn",
      },
      { anonymous: true },
    );
    if (!result.data || !result.data.login) throw new Error(firstMessage(result));
    adopt(result.data.login);
    mount(await fillsFor(auth.user));
    rerenderBar(); // only now: GraphiQL is ready for her
  }

  async function signOut() {
    const token = auth.refresh;
    socket.endAll("Signed out.");
    if (token) {
      await post({
        query: "mutation SignOut($refreshToken: String) { logout(refreshToken: $refreshToken) }",
        variables: { refreshToken: token },
        operationName: "SignOut",
      });
    }
    forget("Signed out. Nothing of your work is kept on this computer.");
  }

  function forget(notice) {
    clearTimeout(auth.timer);
    auth.access = auth.refresh = auth.user = null;
    auth.notice = notice;
    socket.endAll(notice);
    rerenderBar();
    mount({});
  }

  // --- Over HTTP ---------------------------------------------------------------------------

  async function post(body, { anonymous = false, retried = false } = {}) {
    const headers = { "Content-Type": "application/json", Accept: "application/json" };
    if (auth.access && !anonymous) headers.Authorization = `Bearer ${auth.access}`;
    let response;
    try {
      response = await fetch(config.graphqlPath, {
        method: "POST",
        headers,
        body: JSON.stringify(body),
        credentials: "omit",
        cache: "no-store",
      });
    } catch (error) {
      return { errors: [{ message: "Haven could not be reached. Check the connection, then run it again." }] };
    }
    const text = await response.text();
    let result;
    try {
      result = JSON.parse(text);
    } catch (error) {
      // Not GraphQL's own answer (a request Haven could not read): say what it said.
      return { errors: [{ message: `Haven answered ${response.status}: ${text.slice(0, 300)}` }] };
    }
    if (!anonymous && !retried && auth.refresh && hasCode(result, "UNAUTHENTICATED")) {
      if (await refresh()) return post(body, { retried: true });
    }
    return result;
  }

  function hasCode(result, code) {
    return (result.errors || []).some((e) => e.extensions && e.extensions.code === code);
  }

  function firstMessage(result) {
    const errors = result.errors || [];
    return errors.length ? errors[0].message : "Haven did not sign you in.";
  }

  // --- Over the WebSocket: one socket, streams that resume where they left off ------------

  class Socket {
    constructor() {
      this.ws = null;
      this.acked = false;
      this.down = false; // lost, and not yet back
      this.retries = 0;
      this.timer = null;
      this.counter = 0;
      this.streams = new Map();
    }

    subscribe(handlers) {
      const id = String(++this.counter);
      const stream = { id, started: false, ...handlers, stop: () => this.unsubscribe(id) };
      this.streams.set(id, stream);
      if (this.acked) this.start(stream);
      else this.open();
      return stream;
    }

    unsubscribe(id) {
      if (!this.streams.delete(id)) return;
      if (this.acked) this.ws.send(JSON.stringify({ id, type: "complete" }));
      if (!this.streams.size) this.close();
    }

    start(stream) {
      this.ws.send(JSON.stringify({ id: stream.id, type: "subscribe", payload: stream.payload() }));
      if (stream.started) stream.resumed();
      else stream.listening();
      stream.started = true;
    }

    open() {
      if (this.ws) return;
      clearTimeout(this.timer);
      const url = new URL(config.graphqlPath, location.href);
      url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
      const ws = new WebSocket(url, "graphql-transport-ws");
      this.ws = ws;
      ws.onopen = () => {
        const payload = auth.access ? { Authorization: `Bearer ${auth.access}` } : {};
        ws.send(JSON.stringify({ type: "connection_init", payload }));
      };
      ws.onmessage = (event) => this.receive(JSON.parse(event.data));
      ws.onclose = (event) => this.closed(ws, event);
    }

    receive(message) {
      const stream = this.streams.get(message.id);
      if (message.type === "connection_ack") {
        this.acked = true;
        this.down = false;
        this.retries = 0;
        for (const each of this.streams.values()) this.start(each);
      } else if (message.type === "ping") {
        this.ws.send(JSON.stringify({ type: "pong" }));
      } else if (message.type === "next" && stream) {
        stream.next(message.payload);
      } else if (message.type === "error" && stream) {
        this.streams.delete(message.id);
        stream.error(message.payload);
      } else if (message.type === "complete" && stream) {
        this.streams.delete(message.id);
        stream.complete();
      }
    }

    async closed(ws, event) {
      if (ws !== this.ws) return;
      this.ws = null;
      this.acked = false;
      if (!this.streams.size) return;
      if (event.code === 4401 || event.code === 4403) {
        // The sign-in lapsed or ended: a fresh token opens the socket again, if there is one.
        if (auth.refresh && (await refresh())) return this.open();
        return this.endAll("Your sign-in has ended. Sign in again, then run this again.");
      }
      if (!this.down) {
        this.down = true;
        const why = { 1012: "Haven is restarting", 4410: "this page fell behind" }[event.code];
        for (const each of this.streams.values()) {
          if (each.started) each.dropped(why || "the connection dropped");
        }
      }
      const delay = Math.min(1000 * 2 ** this.retries, 15000);
      this.retries += 1;
      this.timer = setTimeout(() => this.open(), delay);
    }

    endAll(why) {
      const streams = [...this.streams.values()];
      this.streams.clear();
      this.close();
      for (const each of streams) each.ended(why);
    }

    close() {
      clearTimeout(this.timer);
      const ws = this.ws;
      this.ws = null;
      this.acked = false;
      this.down = false;
      if (ws) ws.close(1000, "Done");
    }
  }

  const socket = new Socket();

  // What GraphiQL shows of a stream: everything heard so far, in order, not only the last.
  function follow(params, operation) {
    const field = operation.field;
    const resumable = operation.variables.includes("afterSequence");
    const variables = { ...(params.variables || {}) };
    return latest((show, end) => {
      const entries = [];
      const place = new Map(); // sequence → index in entries
      let present = null;
      let companion = null; // who is present, beside a live session's messages
      let last = typeof variables.afterSequence === "number" ? variables.afterSequence : 0;
      const view = () => ({ data: { ...(present ? { present } : {}), [field]: entries.slice() } });
      const line = (text) => {
        entries.push(`— ${clock()} ${text} —`);
        show(view());
      };
      const finish = (text) => {
        line(text);
        companion && companion.stop();
        end();
      };
      const main = socket.subscribe({
        payload: () => ({
          query: params.query,
          operationName: params.operationName,
          variables: resumable ? { ...variables, afterSequence: last } : variables,
        }),
        listening: () => line("Listening: what is said appears below as it is said."),
        resumed: () =>
          line(resumable ? `Connected again: going on after message ${last}.` : "Connected again."),
        dropped: (why) => line(`Connection lost (${why}): reconnecting…`),
        next: (payload) => {
          const item = payload.data ? payload.data[field] : null;
          if (item && typeof item.sequence === "number") {
            // A message sent again (withdrawn by the facilitator) replaces what was shown.
            if (place.has(item.sequence)) entries[place.get(item.sequence)] = item;
            else place.set(item.sequence, entries.push(item) - 1);
            last = Math.max(last, item.sequence);
          } else {
            entries.push(item || payload);
          }
          show(view());
        },
        error: (errors) => {
          entries.push({ errors });
          finish("The stream was refused.");
        },
        complete: () => finish(ENDINGS[field] || "The stream has ended."),
        ended: (why) => finish(why),
      });
      companion =
        field === "sessionMessages" && variables.sessionId
          ? socket.subscribe({
              payload: () => ({
                query: "subscription Present($id: ID!) { sessionPresence(sessionId: $id) { present { profileName role } } }",
                variables: { id: variables.sessionId },
                operationName: "Present",
              }),
              listening() {},
              resumed() {},
              dropped() {},
              next: (payload) => {
                if (!payload.data) return;
                present = payload.data.sessionPresence.present.map(
                  (person) => `${person.profileName} (${ROLES[person.role] || person.role})`,
                );
                show(view());
              },
              error() {},
              complete() {},
              ended() {},
            })
          : null;
      return () => {
        main.stop();
        companion && companion.stop();
      };
    });
  }

  // An async iterable of views, each replacing the last: GraphiQL shows the newest.
  function latest(start) {
    let newest = null;
    let finished = false;
    let wake = null;
    const nudge = () => wake && (wake(), (wake = null));
    const stop = start(
      (view) => ((newest = view), nudge()),
      () => ((finished = true), nudge()),
    );
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next() {
        while (newest === null && !finished) await new Promise((resolve) => (wake = resolve));
        if (newest !== null) {
          const value = newest;
          newest = null;
          return { value, done: false };
        }
        return { value: undefined, done: true };
      },
      async return() {
        finished = true;
        stop();
        return { value: undefined, done: true };
      },
    };
  }

  function clock() {
    return new Date().toLocaleTimeString("en-GB", { timeZone: "Europe/London" });
  }

  // A document's operations, read from its text. (GraphiQL's own parse of the editor can
  // lag a change of tab, and its parser is not exposed.) Strings and comments are blanked
  // first, so that no brace or word inside them counts.
  function operationsIn(text) {
    const source = text.replace(/"""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"|#[^\n]*/g, " ");
    const operations = [];
    let depth = 0;
    let start = 0;
    for (let i = 0; i < source.length; i += 1) {
      if (source[i] === "{" && depth++ === 0) {
        const head = source.slice(start, i);
        const match = /(query|mutation|subscription)\s*(\w*)\s*(?:\(([\s\S]*)\))?[^()]*$/.exec(head);
        const root = /^\{\s*(?:(\w+)\s*:\s*)?(\w+)/.exec(source.slice(i)) || [];
        operations.push({
          type: match ? match[1] : /\bfragment\b/.test(head) ? "fragment" : "query",
          name: (match && match[2]) || null,
          variables: [...((match && match[3]) || "").matchAll(/\$(\w+)/g)].map((m) => m[1]),
          field: root[1] || root[2],
        });
      } else if (source[i] === "}" && --depth === 0) {
        start = i + 1;
      }
    }
    return operations.filter((each) => each.type !== "fragment");
  }

  function fetcher(params) {
    const operations = operationsIn(params.query || "");
    const operation =
      operations.find((each) => each.name && each.name === params.operationName) ||
      (operations.length === 1 ? operations[0] : null);
    if (operation && operation.name) params = { ...params, operationName: operation.name };
    if (operation && operation.type === "subscription") return follow(params, operation);
    return post(params);
  }

  // --- The starting tabs, filled from her own records ------------------------------------

  async function fillsFor(user) {
    const staff = user.role === "FACILITATOR" || user.role === "ONLINE_MANAGER";
    const result = await post({
      query: `query StartingPoint {
        myGroups { id facilitator { id } sessions { id status startsAt } }
        ${staff ? "applicationsToReview(status: SUBMITTED) { id }" : ""}
      }`,
      operationName: "StartingPoint",
    });
    const day = result.data || {};
    const groups = day.myGroups || [];
    const group = groups.find((each) => each.facilitator.id === user.id) || groups[0];
    const sessions = [...((group && group.sessions) || [])].sort((a, b) =>
      a.startsAt.localeCompare(b.startsAt),
    );
    const live = sessions.find((each) => each.status === "LIVE");
    const next = sessions.find((each) => each.status === "SCHEDULED");
    const ended = sessions.filter((each) => each.status === "ENDED").pop();
    const application = (day.applicationsToReview || [])[0];
    const today = londonToday();
    const monday = addDays(today.date, -today.weekday);
    const workdays = [2, 3, 4, 5, 6].map((n) => addDays(today.date, n)).filter(isWorkday);
    return {
      group: group && group.id,
      session: (live || next || {}).id,
      ended_session: ended && ended.id,
      application: application && application.id,
      call_times: [`${isoDay(workdays[0])}T10:30`, `${isoDay(workdays[1])}T14:00`],
      week_start: `${isoDay(monday)}T00:00`,
      week_end: `${isoDay(addDays(monday, 7))}T00:00`,
    };
  }

  function londonToday() {
    const parts = {};
    const format = new Intl.DateTimeFormat("en-GB", {
      timeZone: "Europe/London",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      weekday: "short",
    });
    for (const part of format.formatToParts(new Date())) parts[part.type] = part.value;
    return {
      date: new Date(Date.UTC(+parts.year, +parts.month - 1, +parts.day)),
      weekday: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(parts.weekday),
    };
  }

  const addDays = (date, days) => new Date(date.getTime() + days * 86400000);
  const isoDay = (date) => date.toISOString().slice(0, 10);
  const isWorkday = (date) => date.getUTCDay() !== 0 && date.getUTCDay() !== 6;

  function variablesFor(tab, fills) {
    const names = [...tab.query.matchAll(/\$(\w+)\s*:/g)].map((match) => match[1]);
    const variables = {};
    for (const name of new Set(names)) {
      const fill = tab.fills[name];
      if (fill) variables[name] = fills[fill] === undefined ? null : fills[fill];
    }
    return Object.keys(variables).length ? JSON.stringify(variables, null, 2) : undefined;
  }

  // --- GraphiQL, kept in memory only ----------------------------------------------------

  function memoryStorage() {
    const items = new Map();
    return {
      getItem: (key) => (items.has(key) ? items.get(key) : null),
      setItem: (key, value) => items.set(key, keepable(key, value)),
      removeItem: (key) => items.delete(key),
      clear: () => items.clear(),
      get length() {
        return items.size;
      },
    };
  }

  // History never holds an operation that carries a password or a token.
  function keepable(key, value) {
    if (!/^graphiql:(queries|favorites)$/.test(key)) return value;
    try {
      const kept = JSON.parse(value);
      kept.queries = (kept.queries || []).filter(
        (each) => !SECRET.test(`${each.query || ""} ${each.variables || ""} ${each.headers || ""}`),
      );
      return JSON.stringify(kept);
    } catch (error) {
      return JSON.stringify({ queries: [] });
    }
  }

  const graphiqlRoot = ReactDOM.createRoot(document.getElementById("haven-graphiql"));
  let generation = 0;

  function mount(fills) {
    generation += 1;
    graphiqlRoot.render(
      h(GraphiQL, {
        key: generation, // a new person starts from nothing of the last one's
        fetcher,
        storage: memoryStorage(),
        defaultTabs: config.tabs.map((tab) => ({ query: tab.query, variables: variablesFor(tab, fills) })),
        shouldPersistHeaders: false,
        isHeadersEditorEnabled: false,
        defaultEditorToolsVisibility: "variables",
      }),
    );
  }

  // --- The bar: who is signed in, or the form ---------------------------------------------

  function Bar() {
    const [, setTick] = React.useState(0);
    const [email, setEmail] = React.useState("");
    const [password, setPassword] = React.useState("");
    const [problem, setProblem] = React.useState("");
    const [busy, setBusy] = React.useState(false);
    React.useEffect(() => {
      rerenderBar = () => setTick((tick) => tick + 1);
    }, []);

    if (auth.user) {
      return h(
        "div",
        { className: "haven-signed-in" },
        h("span", { className: "haven-brand" }, "Haven"),
        h(
          "span",
          { className: "haven-who" },
          "Signed in as ",
          h("strong", null, auth.user.profileName),
          ` · ${ROLES[auth.user.role] || auth.user.role}`,
        ),
        h("button", { type: "button", onClick: signOut }, "Sign out"),
      );
    }

    async function submit(event) {
      event.preventDefault();
      setBusy(true);
      setProblem("");
      try {
        await signIn(email.trim(), password);
        setPassword("");
      } catch (error) {
        setProblem(error.message);
      } finally {
        setBusy(false);
      }
    }

    return h(
      "form",
      { className: "haven-sign-in", onSubmit: submit, "aria-label": "Sign in" },
      h("span", { className: "haven-brand" }, "Haven"),
      h("label", null, "E-mail ", h("input", {
        name: "email",
        type: "email",
        autoComplete: "username",
        required: true,
        value: email,
        onChange: (event) => setEmail(event.target.value),
      })),
      h("label", null, "Password ", h("input", {
        name: "password",
        type: "password",
        autoComplete: "current-password",
        required: true,
        value: password,
        onChange: (event) => setPassword(event.target.value),
      })),
      h("button", { type: "submit", disabled: busy }, busy ? "Signing in…" : "Sign in"),
      h("span", { className: "haven-notice", role: "alert" }, problem || auth.notice),
    );
  }

  ReactDOM.createRoot(document.getElementById("haven-bar")).render(h(Bar));
  mount({});
})();
