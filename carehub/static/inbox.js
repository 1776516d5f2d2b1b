// New alerts appear without a reload: the rows are fetched again every few seconds.
(function () {
  const table = document.getElementById("inbox");
  if (!table) return;
  const body = table.querySelector("tbody");
  const title = document.title;
  async function refresh() {
    try {
      const response = await fetch(table.dataset.rowsUrl, {credentials: "same-origin"});
      if (response.redirected || !response.ok) return;
      body.innerHTML = await response.text();
      const open = response.headers.get("X-Open-Alerts");
      document.title = open && open !== "0" ? `(${open}) ${title}` : title;
    } catch (e) { /* the hub is restarting; try again next time */ }
  }
  setInterval(refresh, Number(table.dataset.refreshMs) || 5000);
})();
