// A campaign's progress, kept live from the server's event stream.
(() => {
  const box = document.getElementById("progress");
  if (!box || !window.EventSource) return;
  const fmt = new Intl.NumberFormat();
  const source = new EventSource(`/campaigns/${box.dataset.campaign}/live`);
  source.addEventListener("progress", (message) => {
    const p = JSON.parse(message.data);
    const raised = box.querySelector("[data-raised]");
    const unit = raised.textContent.replace(/[\d.,\s]/g, "");
    raised.textContent = unit + (p.raised / 100).toLocaleString(undefined, {minimumFractionDigits: 2});
    box.querySelector("[data-percent]").textContent = fmt.format(p.percent) + "%";
    box.querySelector("[data-backers]").textContent = fmt.format(p.backers);
    box.querySelector("[data-bar]").style.width = Math.min(100, p.percent) + "%";
    for (const [tier, left] of Object.entries(p.remaining)) {
      const cell = document.querySelector(`[data-remaining="${tier}"]`);
      if (cell && left !== null) cell.textContent = left;
    }
  });
})();
