// Send the CSRF token with every htmx request, so forms and controls need no hidden field.
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector('meta[name="csrf-token"]')?.content;
  if (token) event.detail.headers["X-CSRFToken"] = token;
});

// Fill progress bars to their data-fill percentage, on the page and in whatever htmx swaps
// in: the content security policy refuses style attributes, not styles set from a script.
const fillBars = (root) => {
  for (const bar of root.querySelectorAll("[data-fill]")) bar.style.width = `${Number(bar.dataset.fill) || 0}%`;
};
if (window.htmx) htmx.onLoad(fillBars);
else document.addEventListener("DOMContentLoaded", () => fillBars(document));

// Tell the server the browser's time zone (a cookie read by hearth.web.timefmt), so times
// that belong to no home read in the viewer's own zone rather than in UTC.
try {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone && !document.cookie.split("; ").includes(`tz=${zone}`)) {
    document.cookie = `tz=${zone}; path=/; max-age=31536000; samesite=lax`;
  }
} catch {
  // A browser without Intl time zones keeps UTC.
}
