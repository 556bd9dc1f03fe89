// The web console's only script: the subscription preview (a dry run) and the live alerts view.
// Plain JavaScript, served as written; the pages work without it except for these two.
"use strict";

function element(tag, attributes, text) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function alertItem(alert) {
  const item = element("li", { "data-alert": alert.id, "data-story": alert.story.id });
  const title = element("strong");
  if (alert.story.url && /^https?:\/\//i.test(alert.story.url)) {
    title.appendChild(element("a", { href: alert.story.url, rel: "noopener noreferrer" }, alert.story.headline));
  } else {
    title.textContent = alert.story.headline;
  }
  item.appendChild(title);
  const facts = [alert.story.source || "unknown source", (alert.story.publishedAt || alert.createdAt).slice(0, 16).replace("T", " ")];
  item.appendChild(element("div", { class: "meta" }, facts.join(" · ") + " — " + alert.query));
  const why = element("ul", { class: "why", "aria-label": "Why it fired" });
  why.appendChild(element("li", {}, "matched: " + alert.matched.join(", ")));
  for (const tag of alert.tags || []) why.appendChild(element("li", {}, tag.clause + ": " + tag.tag + " — " + tag.reason));
  item.appendChild(why);
  return item;
}

function startLiveAlerts(list) {
  const status = document.getElementById("live-status");
  const subscription = list.dataset.subscription;
  const url = "/v1/alerts/stream" + (subscription ? "?subscription=" + encodeURIComponent(subscription) : "");
  const source = new EventSource(url);
  // `connected` comes once the gateway reads every notify replica's feed; `open`, before it, only
  // says the request was answered.
  source.addEventListener("open", () => { status.textContent = "Connecting…"; });
  source.addEventListener("connected", () => { status.textContent = "Connected: new alerts appear here as they fire."; });
  source.addEventListener("error", () => { status.textContent = "Reconnecting… (nothing is missed: the stream resumes where it was)"; });
  source.addEventListener("alert", (event) => {
    const alert = JSON.parse(event.data);
    if (list.querySelector('[data-alert="' + CSS.escape(alert.id) + '"]')) return;
    const empty = document.getElementById("no-alerts");
    if (empty) empty.remove();
    list.insertBefore(alertItem(alert), list.firstChild);
  });
  source.addEventListener("cut", () => { status.textContent = "The stream fell behind and was cut; reconnecting."; });
}

async function preview(form) {
  const out = document.getElementById("preview");
  out.textContent = "Counting…";
  const body = { query: form.query.value, dryRun: true };
  if (form.backfill.value) body.backfill = form.backfill.value;
  const response = await fetch("/v1/subscriptions", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), credentials: "same-origin",
  });
  const result = await response.json();
  out.textContent = "";
  if (!response.ok) {
    out.appendChild(element("p", { class: "error" }, result.detail + (result.column ? " (column " + result.column + ")" : "")));
    return;
  }
  out.appendChild(element("p", { class: "notice" },
    result.total + " stor" + (result.total === 1 ? "y" : "ies") + " of the last " + result.window + " would have matched (nothing saved)."));
  const list = element("ul", { class: "hits" });
  for (const hit of result.latest) {
    list.appendChild(element("li", {}, hit.headline + " — " + (hit.source || "unknown source")));
  }
  out.appendChild(list);
}

document.addEventListener("DOMContentLoaded", () => {
  const list = document.getElementById("live-alerts");
  if (list) startLiveAlerts(list);
  const button = document.getElementById("preview-button");
  if (button) {
    button.hidden = false;
    button.addEventListener("click", () => preview(button.form));
  }
  // A digest's time is the reader's own unless they say otherwise.
  const zone = document.getElementById("time-zone");
  if (zone && !zone.value) zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
});
