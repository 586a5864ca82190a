// The RecordTable component of layouts/components/record_table.py: a short table of text
// cells drawn by one React component. As html.Table/Tr/Td every cell was its own Dash
// component, and the renderer's work on each update grows with the number of components
// on the page (a 20-row list was ~170 of them). React escapes every cell: text only.
window.sala_components = window.sala_components || {};
window.sala_components.RecordTable = function RecordTable(props) {
  const h = React.createElement;
  const headers = props.headers || [];
  const rows = props.rows || [];
  const cls = (c) => c || undefined;
  return h(
    "table",
    { id: props.id, className: props.className },
    h("thead", null, h("tr", null, headers.map((c, i) => h("th", { key: i, className: cls(c[1]) }, c[0])))),
    h(
      "tbody",
      null,
      rows.map((row, r) =>
        h("tr", { key: r }, row.map((c, i) => h("td", { key: i, className: cls(c[1]) }, c[0])))
      )
    )
  );
};
