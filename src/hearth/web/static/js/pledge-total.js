// The running total of a pledge form: the chosen tier's price times the quantity, plus
// shipping to the chosen country. Only a preview: the server works it out again on submit.
(() => {
  const form = document.getElementById("pledge-form");
  const box = document.getElementById("pledge-total");
  if (!form || !box) return;
  const rates = JSON.parse(form.dataset.rates || "{}");
  const prefix = form.dataset.prefix || "";
  const exponent = Number(form.dataset.exponent || 2);
  const quantity = form.querySelector("input[name=quantity]");
  const country = form.querySelector("[name=country]");
  const shipsAnywhere = Object.keys(rates).length === 0;

  // As the server writes money: the symbol, grouped digits, the currency's decimals.
  const show = (minor) => {
    const scale = 10 ** exponent;
    const whole = Math.floor(minor / scale).toLocaleString("en");
    const fraction = exponent ? "." + String(minor % scale).padStart(exponent, "0") : "";
    return prefix + whole + fraction;
  };
  const set = (name, text) => { box.querySelector(`[data-total-${name}]`).textContent = text; };

  const update = () => {
    const tier = form.querySelector("input[name=tier_id]:checked");
    const count = Math.trunc(Number(quantity.value));
    const perBacker = tier ? Number(tier.dataset.perBacker) : 0;
    if (tier) {
      quantity.max = String(perBacker);
      const help = form.querySelector("[data-per-backer-help]");
      if (help) help.textContent = `Up to ${perBacker} per backer for this reward.`;
    }
    if (!tier || !(count >= 1) || count > perBacker) {
      set("reward", tier ? `choose 1 to ${perBacker}` : "choose a reward");
      set("sum", "—");
      return;
    }
    const reward = Number(tier.dataset.price) * count;
    set("reward", `${count} × ${show(Number(tier.dataset.price))} = ${show(reward)}`);
    let shipping = 0;
    if (!shipsAnywhere) {
      const code = (country && country.value || "").toUpperCase();
      if (!(code in rates)) {
        set("shipping", "choose a country");
        set("sum", "—");
        return;
      }
      shipping = rates[code];
    }
    set("shipping", shipping ? show(shipping) : "free");
    set("sum", show(reward + shipping));
  };
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
