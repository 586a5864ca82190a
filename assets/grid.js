// AG Grid value formatters of the data tables (layouts/components/data_table.py):
// Venezuelan numbers, thousands "." and decimals "," (1.234,5), like core/numbers.py.
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

dagfuncs.salaNumber = function (value, decimals) {
  if (value === null || value === undefined || value === "") { return "—"; }
  const fixed = Math.abs(Number(value)).toFixed(decimals);
  const parts = fixed.split(".");
  const whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  const sign = Number(value) < 0 ? "−" : "";
  return sign + (parts.length > 1 ? whole + "," + parts[1] : whole);
};
