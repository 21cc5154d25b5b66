(function () {
  var form = document.getElementById("filters");
  var shown = document.getElementById("shown-count");
  var rows = Array.prototype.slice.call(document.querySelectorAll("tbody tr[data-learner]"));
  function apply() {
    var department = form.elements.department.value, status = form.elements.status.value, count = 0;
    rows.forEach(function (row) {
      var keep = (!department || row.dataset.department === department) && (!status || row.dataset.status === status);
      row.hidden = !keep;
      if (keep) { count += 1; }
    });
    shown.textContent = String(count);
  }
  form.hidden = false;
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
}());
