// The RecordTable component of layouts/components/record_table.py: a short table of text
// cells drawn by one React component. As html.Table/Tr/Td every cell was its own Dash
// component, and the renderer's work on each update grows with the number of components
// on the page (a 20-row list was ~170 of them). React escapes every cell: text only.
// With ``row_ids``, each row's first cell is a button; a click sets ``clicked`` to
// {id, at} (``at`` makes a second click on the same row a change too). ``row_titles`` are
// the first cells' tooltips; ``footer`` is a closing line across every column.
window.sala_components = window.sala_components || {};
window.sala_components.RecordTable = function RecordTable(props) {
  const h = React.createElement;
  const headers = props.headers || [];
  const rows = props.rows || [];
  const ids = props.row_ids;
  const titles = props.row_titles;
  const cls = (c) => c || undefined;
  const cell = (c, i, r) => {
    if (i === 0 && ids && ids[r] !== undefined && ids[r] !== null) {
      const open = () => props.setProps({ clicked: { id: ids[r], at: Date.now() } });
      return h("td", { key: i, className: cls(c[1]) },
        h("button", { className: "link-button", title: String(ids[r]), onClick: open }, c[0]));
    }
    const title = i === 0 && titles ? titles[r] : undefined;
    return h("td", { key: i, className: cls(c[1]), title: title || undefined }, c[0]);
  };
  return h(
    "table",
    { id: props.id, className: props.className },
    h("thead", null, h("tr", null, headers.map((c, i) => h("th", { key: i, className: cls(c[1]) }, c[0])))),
    h("tbody", null, rows.map((row, r) => h("tr", { key: r }, row.map((c, i) => cell(c, i, r))))),
    props.footer
      ? h("tfoot", null, h("tr", null, h("td", { colSpan: headers.length || 1 }, props.footer)))
      : null
  );
};
