/// The one stylesheet, served at /dashboard.css (the CSP allows styles from the server and nowhere else).
enum DashboardStylesheet {
    static let text = """
    body { font-family: system-ui, sans-serif; margin: 0; color: #1d1d1f; background: #fafafa; }
    header { background: #263238; color: #fff; padding: 0.6em 1.2em; display: flex; gap: 2em; align-items: center; }
    header .brand { font-weight: bold; }
    nav a { color: #cfd8dc; margin-right: 1.2em; text-decoration: none; }
    nav a[aria-current="page"] { color: #fff; border-bottom: 2px solid #80cbc4; }
    main { padding: 1em 1.2em; max-width: 1400px; }
    footer { padding: 1em 1.2em; color: #666; font-size: 0.85em; }
    table { border-collapse: collapse; width: 100%; background: #fff; margin: 0.5em 0 1em; }
    th, td { border-bottom: 1px solid #e0e0e0; padding: 0.35em 0.5em; text-align: left; vertical-align: top; font-size: 0.92em; }
    th { background: #eceff1; }
    code { font-family: ui-monospace, monospace; font-size: 0.9em; overflow-wrap: anywhere; }
    .badge { display: inline-block; padding: 0 0.45em; border-radius: 0.6em; font-size: 0.85em; background: #e0e0e0; }
    .status-ok, .sender-authorized, .outbox-delivered, .file-verified, .chain-ok { color: #1b5e20; }
    .badge.status-ok, .badge.sender-authorized, .badge.outbox-delivered, .badge.file-verified { background: #c8e6c9; }
    .badge.status-partial, .badge.outbox-pending, .badge.file-missing { background: #ffe0b2; }
    .badge.status-temperror, .badge.status-never { background: #cfd8dc; }
    .severity-critical { color: #b71c1c; font-weight: bold; }
    .severity-error { color: #c62828; }
    .severity-warning { color: #e65100; }
    .severity-info { color: #1565c0; }
    .badge.severity-critical, .badge.severity-error, .badge.sender-not-authorized, .badge.sender-open-finding,
    .badge.outbox-dead, .badge.file-changed, .badge.file-broken { background: #ffcdd2; }
    .chain-broken { color: #b71c1c; }
    .lookups-over { color: #b71c1c; font-weight: bold; }
    .lookups-near { color: #e65100; }
    .totals { list-style: none; padding: 0; display: flex; gap: 1.5em; flex-wrap: wrap; }
    .filters { display: flex; gap: 0.5em; flex-wrap: wrap; align-items: center; margin: 0.5em 0; }
    .pager { display: flex; gap: 1em; color: #555; }
    .muted, .empty { color: #777; }
    .findings { list-style: none; padding: 0; }
    .finding { background: #fff; border-left: 4px solid #90a4ae; margin: 0.5em 0; padding: 0.4em 0.8em; }
    .finding-critical, .finding-error { border-left-color: #c62828; }
    .finding-warning { border-left-color: #ef6c00; }
    .evidence { display: grid; grid-template-columns: max-content 1fr; gap: 0 1em; font-size: 0.85em; }
    .evidence dt { color: #555; }
    .history li { margin-bottom: 0.8em; }
    .changes { color: #4a148c; }
    .chart { max-width: 100%; height: auto; background: #fff; }
    .digest { font-size: 0.75em; }
    meter { width: 6em; }
    """
}
