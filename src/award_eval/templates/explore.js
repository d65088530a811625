/* award_eval: the reader's own weights, in the overall report.
 *
 * Computes every nominee's index from the criterion scores embedded in the page
 * (<script type="application/json" id="ae-explore-data">), up the criteria tree, exactly as
 * award_eval.evaluation.evaluate does: weighted means of the children that have a score, the
 * weights renormalised over those present; a node with nothing present has no score. Ranks are
 * competition ranks (1, 2, 2, 4) of the scores rounded to `decimals` places (half to even), as
 * award_eval.ranking.rank_scores.
 *
 * window.awardEval.rank(weights) -> [{code, score, rank}, ...] in rank order (ties by code).
 * No request leaves the page; without JavaScript the panel stays hidden and the jury's ranking
 * above it is the report.
 */
(function () {
  "use strict";
  var dataEl = document.getElementById("ae-explore-data");
  if (!dataEl) { return; }
  var D = JSON.parse(dataEl.textContent);
  var byId = {};
  D.nodes.forEach(function (n) { byId[n.id] = n; });
  var kids = {};
  D.nodes.forEach(function (n) {
    if (n.parent !== null) { (kids[n.parent] = kids[n.parent] || []).push(n.id); }
  });

  function roundHalfEven(x, decimals) {
    var f = Math.pow(10, decimals), y = x * f, r = Math.round(y);
    if (Math.abs(y % 1) === 0.5 && r % 2 !== 0) { r -= 1; }  // numpy rounds half to even
    return r / f;
  }

  function mean(values, weights, how) {
    var num = 0, den = 0, i;
    for (i = 0; i < values.length; i++) {
      var x = values[i];
      if (x === null || x === undefined || Number.isNaN(x)) { continue; }
      var w = weights[i];
      den += w;
      if (how === "arithmetic") { num += x * w; }
      else if (how === "geometric") { num += Math.log(x) * w; }
      else { num += w / x; }
    }
    if (!(den > 0)) { return null; }
    if (how === "arithmetic") { return num / den; }
    if (how === "geometric") { return Math.exp(num / den); }
    return den / num;
  }

  function weightOf(id, weights) {
    return (weights && Object.prototype.hasOwnProperty.call(weights, id)) ? Number(weights[id]) : byId[id].weight;
  }

  function checkWeights(weights) {
    Object.keys(weights || {}).forEach(function (id) {
      if (!byId[id] || byId[id].parent === null) { throw new Error("unknown node id: " + id); }
      var w = Number(weights[id]);
      if (!(w >= 0) || !Number.isFinite(w)) { throw new Error("weight of " + id + " must be a number >= 0"); }
    });
  }

  function aggregate(leafValues, weights) {
    var value = {};
    D.leaves.forEach(function (id, j) { value[id] = leafValues[j]; });
    D.aggregates.forEach(function (a) {  // bottom-up, as the Python side aggregates
      var ids = kids[a.id] || [];
      value[a.id] = mean(ids.map(function (c) { return value[c]; }),
                         ids.map(function (c) { return weightOf(c, weights); }), a.method);
    });
    return value;
  }

  var isJury = {};
  (D.jury_leaves || []).forEach(function (id) { isJury[id] = true; });

  function blended(u, weights, share) {
    /* jury_share (award_eval.jury_share.blended_index): share x jury index + (1 - share) x open-data
       index, each the tree over that kind of criterion alone; a unit lacking one part gets the other */
    var j = aggregate(u.leaves.map(function (v, k) { return isJury[D.leaves[k]] ? v : null; }), weights)[D.root];
    var o = aggregate(u.leaves.map(function (v, k) { return isJury[D.leaves[k]] ? null : v; }), weights)[D.root];
    var wj = j === null ? 0 : share, wo = o === null ? 0 : 1 - share, total = wj + wo;
    if (!(total > 0)) { return null; }
    return ((j === null ? 0 : j) * wj + (o === null ? 0 : o) * wo) / total;
  }

  function scores(weights) {
    checkWeights(weights);
    return D.units.map(function (u) {
      var value = aggregate(u.leaves, weights);
      var score = (D.jury_share === null || D.jury_share === undefined) ? value[D.root] : blended(u, weights, D.jury_share);
      return {code: u.code, name: u.name, value: value, score: score};
    });
  }

  function rank(weights) {
    var rows = scores(weights || {});
    var scored = rows.filter(function (r) { return r.score !== null; });
    var key = function (r) { return roundHalfEven(r.score, D.decimals); };
    rows.forEach(function (r) {
      if (r.score === null) { r.rank = null; return; }
      var k = key(r);
      r.rank = 1 + scored.filter(function (o) { return key(o) > k; }).length;
    });
    rows.sort(function (a, b) {
      var ra = a.rank === null ? Infinity : a.rank, rb = b.rank === null ? Infinity : b.rank;
      return ra !== rb ? ra - rb : (a.code < b.code ? -1 : (a.code > b.code ? 1 : 0));
    });
    return rows.map(function (r) { return {code: r.code, name: r.name, score: r.score, rank: r.rank}; });
  }

  window.awardEval = {rank: rank, data: D};

  /* ---------------- the panel ---------------- */
  var panel = document.getElementById("ae-explore");
  if (!panel) { return; }
  var W = D.words;
  var current = {};
  var nominal = rank({});
  var nominalRank = {};
  nominal.forEach(function (r) { nominalRank[r.code] = r.rank; });

  function fmt(x, decimals) {
    if (x === null) { return "–"; }
    return x.toLocaleString(D.locale, {minimumFractionDigits: decimals, maximumFractionDigits: decimals})
      .replace("-", "\u2212");
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  var controls = {};
  function control(id, depth) {
    var n = byId[id];
    var wrap = el("div", {"class": "ae-weight ae-depth-" + depth});
    var label = el("label", {"for": "ae-w-" + id}, n.label);
    var range = el("input", {type: "range", id: "ae-w-" + id, min: "0", max: String(D.max_weight),
                             step: "any", value: String(n.weight), "aria-describedby": "ae-explore-help"});
    var number = el("input", {type: "number", min: "0", step: "any", value: String(n.weight),
                              "aria-label": W.weight_of.replace("{name}", n.label), "class": "ae-weight-number"});
    function set(v, from) {
      var x = Number(v);
      if (!(x >= 0) || !Number.isFinite(x)) { return; }
      if (from !== range) { range.value = String(Math.min(x, D.max_weight)); }
      if (from !== number) { number.value = String(x); }
      if (x === n.weight) { delete current[id]; } else { current[id] = x; }
      update();
    }
    range.addEventListener("input", function () { set(range.value, range); });
    number.addEventListener("change", function () { set(number.value, number); });
    controls[id] = {set: function (v) { range.value = String(Math.min(v, D.max_weight)); number.value = String(v); }};
    wrap.appendChild(label); wrap.appendChild(range); wrap.appendChild(number);
    return wrap;
  }

  var form = el("div", {"class": "ae-weights", role: "group", "aria-label": W.weights});
  (kids[D.root] || []).forEach(function (pid) {
    var box = el("div", {"class": "ae-pillar"});
    box.appendChild(control(pid, 0));
    if ((kids[pid] || []).length) {
      var more = el("details", {});
      more.appendChild(el("summary", {}, W.criteria_of.replace("{name}", byId[pid].label)));
      kids[pid].forEach(function (cid) { more.appendChild(control(cid, 1)); });
      box.appendChild(more);
    }
    form.appendChild(box);
  });

  var reset = el("button", {type: "button", "class": "ae-reset"}, W.reset);
  reset.addEventListener("click", function () {
    current = {};
    D.nodes.forEach(function (n) { if (controls[n.id]) { controls[n.id].set(n.weight); } });
    update();
  });
  var link = el("a", {href: "#", "class": "ae-link"}, W.link);

  var table = el("table", {"class": "ae-table ae-explore-table"});
  table.appendChild(el("caption", {}, W.caption));
  var head = el("tr", {});
  [W.rank, W.name, W.score, W.change].forEach(function (h) { head.appendChild(el("th", {scope: "col"}, h)); });
  var thead = el("thead", {}); thead.appendChild(head); table.appendChild(thead);
  var tbody = el("tbody", {}); table.appendChild(tbody);
  var live = el("p", {"class": "ae-live", "aria-live": "polite"});
  var scroll = el("div", {"class": "ae-scroll", tabindex: "0", role: "region", "aria-label": W.caption});
  scroll.appendChild(table);

  function update() {
    var rows = rank(current);
    while (tbody.firstChild) { tbody.removeChild(tbody.firstChild); }
    rows.forEach(function (r) {
      var tr = el("tr", {});
      tr.appendChild(el("td", {"class": "num"}, r.rank === null ? "–" : String(r.rank)));
      tr.appendChild(el("th", {scope: "row"}, r.name));
      var cell = el("td", {"class": "num ae-bar-cell"});
      var bar = el("span", {"class": "ae-bar", "aria-hidden": "true"});
      bar.style.width = (r.score === null ? 0 : Math.max(0, Math.min(100, r.score))) + "%";
      cell.appendChild(bar);
      cell.appendChild(el("span", {"class": "ae-bar-value"}, fmt(r.score, 1)));
      tr.appendChild(cell);
      var d = (r.rank === null || nominalRank[r.code] === null) ? null : nominalRank[r.code] - r.rank;
      tr.appendChild(el("td", {"class": "num"}, d === null ? "–" : (d === 0 ? "±0" : (d > 0 ? "+" + d : fmt(d, 0)))));
      tbody.appendChild(tr);
    });
    var lead = rows[0];
    live.textContent = W.leader.replace("{name}", lead.name).replace("{score}", fmt(lead.score, 1));
    var frag = Object.keys(current).sort().map(function (k) { return k + ":" + current[k]; }).join(",");
    link.setAttribute("href", frag ? "#w=" + frag : "#");
    if (window.history && window.history.replaceState) {
      try { window.history.replaceState(null, "", frag ? "#w=" + frag : window.location.pathname); } catch (e) { /* file: */ }
    }
  }

  function fromFragment() {
    var m = /^#w=(.*)$/.exec(window.location.hash || "");
    if (!m) { return; }
    decodeURIComponent(m[1]).split(",").forEach(function (pair) {
      var kv = pair.split(":");
      var id = kv[0], v = Number(kv[1]);
      if (byId[id] && byId[id].parent !== null && v >= 0 && Number.isFinite(v) && controls[id]) {
        current[id] = v; controls[id].set(v);
      }
    });
  }

  var help = el("p", {id: "ae-explore-help", "class": "ae-help"}, W.help);
  panel.appendChild(help);
  panel.appendChild(form);
  var actions = el("p", {"class": "ae-actions"});
  actions.appendChild(reset); actions.appendChild(link);
  panel.appendChild(actions);
  panel.appendChild(live);
  panel.appendChild(scroll);
  fromFragment();
  update();
  panel.hidden = false;
})();
