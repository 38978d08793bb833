// The TERYT picker of the organisation form, enhanced. Without JavaScript the form works the
// same way through its "Search the register" button (the server lists the matches); this
// script only lists them as you type, shows the picker for Polish local authorities only, and
// fills the name (if empty) and the voivodeship of the authority picked.
(function () {
  "use strict";
  var form = document.querySelector("form.organisation-form");
  var picker = form && form.querySelector(".teryt-picker");
  if (!picker || !window.fetch) {
    return;
  }
  var kind = form.elements.kind;
  var country = form.elements.country;
  var voivodeship = form.elements.voivodeship;
  var name = form.elements.name;
  var query = form.elements.teryt_query;
  var results = picker.querySelector(".teryt-results");
  var url = picker.getAttribute("data-search-url");
  var autoName = "";
  var timer = null;
  var latest = 0;

  function isPolishAuthority() {
    return kind.value === "local_authority" && country.value === "PL";
  }

  function toggle() {
    picker.hidden = !isPolishAuthority();
  }

  function picked(result) {
    if (voivodeship) {
      voivodeship.value = result.voivodeship;
    }
    if (name && (name.value === "" || name.value === autoName)) {
      name.value = result.name;
      autoName = result.name;
    }
  }

  function render(items) {
    var checked = form.querySelector("input[name=teryt_code]:checked");
    var keep = checked ? checked.value : "";
    while (results.firstChild) {
      results.removeChild(results.firstChild);
    }
    if (!items.length) {
      var none = document.createElement("p");
      none.className = "muted";
      none.textContent = picker.getAttribute("data-no-match");
      results.appendChild(none);
      return;
    }
    // The same markup as the server's (a fieldset with a legend), so the group has a name.
    var group = document.createElement("fieldset");
    var legend = document.createElement("legend");
    legend.textContent = picker.getAttribute("data-legend");
    group.appendChild(legend);
    var list = document.createElement("div");
    list.id = "id_teryt_code";
    group.appendChild(list);
    items.forEach(function (item, index) {
      var row = document.createElement("div");
      var label = document.createElement("label");
      var input = document.createElement("input");
      input.type = "radio";
      input.name = "teryt_code";
      input.value = item.code;
      input.id = "id_teryt_code_" + index;
      input.checked = item.code === keep;
      input.addEventListener("change", function () {
        picked(item);
      });
      label.htmlFor = input.id;
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + item.label));
      row.appendChild(label);
      list.appendChild(row);
    });
    results.appendChild(group);
  }

  function search() {
    var q = query.value.trim();
    if (q.length < 2) {
      return;
    }
    var ticket = ++latest;
    var params = new URLSearchParams({ q: q, voivodeship: voivodeship ? voivodeship.value : "" });
    fetch(url + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (data && ticket === latest) {
          render(data.results);
        }
      })
      .catch(function () {
        // The button still works: nothing to do.
      });
  }

  query.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  query.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      clearTimeout(timer);
      search();
    }
  });
  kind.addEventListener("change", toggle);
  country.addEventListener("change", toggle);
  toggle();
})();
