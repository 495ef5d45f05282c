// Weir's dashboard: the little JavaScript the server-rendered pages need.
//
// - Live updates: one EventSource on /ui/events; each `change` becomes a `weir:change` event on
//   <body>, on which htmx re-fetches the page's live parts (hx-trigger="weir:change from:body").
// - Changes go through the REST API with the session's CSRF token: buttons with data-api,
//   forms with data-api-form (JSON built from their fields, 422 field errors shown in place).
// - Log tails: <pre data-log-stream="URL"> follows an attempt's log over server-sent events.
// - The theme switch and logging out.
"use strict";

(function () {
  const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

  // ---- feedback -------------------------------------------------------------------------
  let toastTimer = null;
  function toast(message, isError) {
    const el = document.getElementById("toast");
    if (!el) return;
    el.textContent = message;
    el.classList.toggle("error", !!isError);
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { el.hidden = true; }, isError ? 9000 : 4000);
  }

  function changed() {
    window.__weirChanges = (window.__weirChanges || 0) + 1;
    document.body.dispatchEvent(new CustomEvent("weir:change"));
  }

  // ---- calling the API -------------------------------------------------------------------
  async function callApi(method, url, body) {
    const headers = { "X-CSRF-Token": csrf(), "Accept": "application/json" };
    const init = { method, headers, credentials: "same-origin" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = typeof body === "string" ? body : JSON.stringify(body);
    }
    const response = await fetch(url, init);
    let data = null;
    const text = await response.text();
    try { data = text ? JSON.parse(text) : null; } catch (_) { data = { detail: text }; }
    return { ok: response.ok, status: response.status, data };
  }

  // Fills `{field}` in a template from a JSON object (values URL-encoded).
  function fill(template, data, plain) {
    return template.replace(/\{(\w+)\}/g, (_, k) => {
      const v = data && data[k] != null ? String(data[k]) : "";
      return plain ? v : encodeURIComponent(v);
    });
  }

  function after(el, data) {
    const then = el.dataset.then || "refresh";
    if (then === "reload") location.reload();
    else if (then.startsWith("go:")) location.href = fill(then.slice(3), data);
    else changed();
  }

  // ---- buttons: data-api="METHOD URL" [data-body] [data-confirm] [data-then] -------------
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-api]");
    if (!button) return;
    event.preventDefault();
    if (button.dataset.confirm && !confirm(button.dataset.confirm)) return;
    const [method, url] = button.dataset.api.split(" ");
    button.disabled = true;
    try {
      const result = await callApi(method, url, button.dataset.body);
      if (result.ok) {
        if (button.dataset.done) toast(button.dataset.done);
        after(button, result.data);
      } else {
        toast((result.data && result.data.detail) || ("the request failed: " + result.status), true);
      }
    } catch (e) {
      toast("the server did not answer: " + e, true);
    } finally {
      button.disabled = false;
    }
  });

  // ---- forms: data-api-form="METHOD URL" --------------------------------------------------
  // Field names are JSON pointers without the leading slash ("conf/lookback"); data-type says
  // how to read the value (string, integer, number, boolean, json, list). Empty fields are left
  // out, so that defaults apply.
  function readField(el) {
    const type = el.dataset.type || "string";
    if (type === "boolean") {
      if (el.type === "checkbox") return el.checked;
      return el.value === "" ? undefined : el.value === "true";
    }
    const raw = el.value.trim();
    if (raw === "") return undefined;
    switch (type) {
      case "integer": return /^-?\d+$/.test(raw) ? parseInt(raw, 10) : raw;
      case "number": return isNaN(Number(raw)) ? raw : Number(raw);
      case "json": try { return JSON.parse(raw); } catch (_) { throw { field: el.name, message: "not valid JSON" }; }
      case "list": return raw.split(",").map((s) => s.trim()).filter((s) => s);
      default: return el.value;
    }
  }

  function formBody(form) {
    const body = {};
    for (const el of form.elements) {
      if (!el.name || el.disabled || el.type === "submit") continue;
      const value = readField(el);
      if (value === undefined) continue;
      const path = el.name.split("/");
      let at = body;
      for (const key of path.slice(0, -1)) at = at[key] = at[key] || {};
      at[path[path.length - 1]] = value;
    }
    return body;
  }

  function showFieldErrors(form, errors) {
    for (const e of errors) {
      const slot = form.querySelector(`[data-error-for="${CSS.escape(e.field)}"]`)
        || form.querySelector("[data-error-for='*']");
      if (slot) slot.textContent = (slot.textContent ? slot.textContent + "; " : "") + e.message;
    }
  }

  document.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[data-api-form]");
    if (!form) return;
    event.preventDefault();
    form.querySelectorAll("[data-error-for]").forEach((s) => { s.textContent = ""; });
    const result = form.querySelector(".form-result");
    if (result) { result.textContent = ""; result.className = "form-result"; }
    let body;
    try { body = formBody(form); } catch (e) { showFieldErrors(form, [{ field: "/" + e.field, message: e.message }]); return; }
    const [method, url] = form.dataset.apiForm.split(" ");
    const submit = form.querySelector("[type=submit]");
    if (submit) submit.disabled = true;
    try {
      const reply = await callApi(method, url, body);
      if (reply.ok) {
        if (result && form.dataset.showField) {
          result.className = "form-result secret";
          result.textContent = reply.data[form.dataset.showField];
        } else if (result && form.dataset.done) {
          result.className = "form-result banner ok";
          const link = form.dataset.doneLink ? fill(form.dataset.doneLink, reply.data) : null;
          result.textContent = fill(form.dataset.done, reply.data, true);
          if (link) {
            const a = document.createElement("a");
            a.href = link; a.textContent = " Open it →";
            result.appendChild(a);
          }
        }
        if (form.dataset.reset !== undefined) form.reset();
        after(form, reply.data);
      } else {
        const data = reply.data || {};
        if (result) {
          result.className = "form-result banner error";
          result.textContent = data.detail || ("the request failed: " + reply.status);
        } else {
          toast(data.detail || ("the request failed: " + reply.status), true);
        }
        showFieldErrors(form, data.errors || []);
      }
    } catch (e) {
      toast("the server did not answer: " + e, true);
    } finally {
      if (submit) submit.disabled = false;
    }
  });

  // ---- live updates -----------------------------------------------------------------------
  function connectEvents() {
    const dot = document.getElementById("live-dot");
    if (!dot || !window.EventSource) return;
    const source = new EventSource("/ui/events");
    source.addEventListener("hello", () => { dot.classList.add("on"); dot.title = "live updates: on"; });
    source.addEventListener("change", changed);
    source.onerror = () => { dot.classList.remove("on"); dot.title = "live updates: reconnecting"; };
    // Free the connection at once when leaving the page: browsers allow six per server.
    window.addEventListener("pagehide", () => source.close());
  }

  // ---- log tails --------------------------------------------------------------------------
  function followLog(pre) {
    const status = document.getElementById(pre.dataset.statusId || "log-status");
    const source = new EventSource(pre.dataset.logStream);
    const setStatus = (text) => { if (status) status.textContent = text; };
    setStatus("following the log live…");
    source.addEventListener("lines", (event) => {
      const nearBottom = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 40;
      for (const line of JSON.parse(event.data)) {
        const row = document.createElement("span");
        row.className = "l " + line.stream;
        row.dataset.seq = line.seq;
        const t = document.createElement("span");
        t.className = "t";
        t.textContent = line.logged_at.slice(11, 23) + " ";
        row.append(t, document.createTextNode(line.line));
        pre.appendChild(row);
      }
      pre.dataset.lines = pre.querySelectorAll(".l").length;
      if (nearBottom) pre.scrollTop = pre.scrollHeight;
    });
    source.addEventListener("end", () => {
      source.close();
      setStatus("the attempt is over; this is its whole log.");
      pre.dataset.finished = "true";
      changed();
    });
    source.onerror = () => setStatus("log stream interrupted; reconnecting…");
    window.addEventListener("pagehide", () => source.close());
  }

  // ---- theme and logout ---------------------------------------------------------------------
  const THEMES = ["auto", "dark", "light"];
  function applyTheme(theme) {
    if (theme === "auto") document.documentElement.removeAttribute("data-theme");
    else document.documentElement.dataset.theme = theme;
  }
  applyTheme(localStorage.getItem("weir-theme") || "auto");

  document.addEventListener("click", async (event) => {
    if (event.target.closest("[data-theme-toggle]")) {
      const now = localStorage.getItem("weir-theme") || "auto";
      const next = THEMES[(THEMES.indexOf(now) + 1) % THEMES.length];
      localStorage.setItem("weir-theme", next);
      applyTheme(next);
      toast("theme: " + next);
    } else if (event.target.closest("[data-logout]")) {
      await fetch("/logout", { method: "POST", headers: { "X-CSRF-Token": csrf() }, credentials: "same-origin", redirect: "manual" });
      location.href = "/login";
    }
  });

  // <select data-autosubmit> submits its form when changed (no inline handlers: the CSP).
  document.addEventListener("change", (event) => {
    const select = event.target.closest("select[data-autosubmit]");
    if (select && select.form) select.form.requestSubmit();
  });

  document.addEventListener("DOMContentLoaded", () => {
    // htmx's own requests carry the CSRF token too.
    document.body.addEventListener("htmx:configRequest", (e) => { e.detail.headers["X-CSRF-Token"] = csrf(); });
    connectEvents();
    document.querySelectorAll("pre[data-log-stream]").forEach(followLog);
  });
})();
