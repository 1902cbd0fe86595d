// Applies the saved theme before first paint so the page never flashes the wrong colours. A file, not an
// inline script, so the page's CSP can say script-src 'self'.
try {
  const t = localStorage.getItem("tower.theme");
  if (t === "light" || t === "dark") document.documentElement.dataset.theme = t;
} catch {}
