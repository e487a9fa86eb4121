import Mustache

/// The pages' Mustache templates, compiled into the binary so it serves them without any file beside it.
/// Every value goes in with `{{ }}`, which escapes `& < > " '`; the one `{{{ }}}` is the chart, built from
/// escaped parts by `DashboardCharts`. No `style` attribute and no script: the CSP allows neither.
enum DashboardTemplates {
    static func library() throws(DashboardSetupError) -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, text) in [("head", head), ("foot", foot), ("pager", pager), ("finding", finding), ("overview", overview),
                             ("domain", domain), ("findings", findings), ("alerts", alerts), ("snapshots", snapshots)] {
            do { try library.register(text, named: name) } catch {
                throw DashboardSetupError("the dashboard's template \(name) does not parse: \(error)")
            }
        }
        return library
    }

    static let head = """
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{{title}} - senderwatch</title>
    <link rel="stylesheet" href="/dashboard.css">
    </head>
    <body>
    <header><span class="brand">senderwatch</span>
    <nav>{{#nav}}<a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a>{{/nav}}</nav>
    </header>
    <main>

    """

    static let foot = """
    </main>
    <footer>Read-only view of the inventory. Every page is also JSON under /api (see the README, JSON output).</footer>
    </body>
    </html>

    """

    static let pager = """
    <p class="pager">{{#pager}}<span class="count">{{first}}-{{last}} of {{total}}</span>
    {{#previous}}<a rel="prev" href="{{.}}">previous</a>{{/previous}}
    <span>page {{page}} of {{pages}}</span>
    {{#next}}<a rel="next" href="{{.}}">next</a>{{/next}}{{/pager}}</p>

    """

    static let finding = """
    <li class="finding finding-{{line.severity}}" data-kind="{{line.kind}}">
    <span class="badge severity-{{line.severity}}">{{line.severity}}</span> <code>{{line.kind}}</code>
    {{#line.subject}}<span class="subject">{{.}}</span>{{/line.subject}}
    <p class="message">{{line.message}}</p>
    {{#open}}{{#line.fix}}<p class="fix"><strong>Fix:</strong> {{.}}</p>{{/line.fix}}{{/open}}
    <dl class="evidence">{{#evidence}}<dt>{{name}}</dt><dd>{{value}}</dd>{{/evidence}}</dl>
    <p class="dates">since {{line.firstSeen}}{{#line.resolvedAt}}, resolved {{.}}{{/line.resolvedAt}}{{^line.resolvedAt}}, last seen {{line.lastSeen}}{{/line.resolvedAt}}</p>
    </li>

    """

    static let overview = """
    {{> head}}
    <h1>Domains</h1>
    {{#document.totals}}
    <ul class="totals" id="totals">
    <li><strong>{{domains}}</strong> domains</li>
    <li><strong>{{neverPolled}}</strong> never polled</li>
    <li class="severity-critical"><strong>{{openFindings.critical}}</strong> critical</li>
    <li class="severity-error"><strong>{{openFindings.error}}</strong> error</li>
    <li class="severity-warning"><strong>{{openFindings.warning}}</strong> warning</li>
    <li class="severity-info"><strong>{{openFindings.info}}</strong> info</li>
    <li>last poll {{#lastPoll}}{{.}}{{/lastPoll}}{{^lastPoll}}never{{/lastPoll}}</li>
    </ul>
    {{/document.totals}}
    <form class="filters" method="get" action="/">
    <input type="search" name="q" value="{{document.query.q}}" placeholder="search domains" maxlength="253">
    <select name="status">{{#statusOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/statusOptions}}</select>
    <select name="severity">{{#severityOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/severityOptions}}</select>
    <select name="policy">{{#policyOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/policyOptions}}</select>
    <select name="sort">{{#sortOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/sortOptions}}</select>
    <button type="submit">Show</button> <a href="/">reset</a>
    </form>
    {{> pager}}
    <table id="domains">
    <thead><tr><th>Domain</th><th>Status</th><th>SPF lookups</th><th>DMARC policy</th><th>Open findings</th><th>DKIM keys / problems</th><th>Last poll</th></tr></thead>
    <tbody>
    {{#rows}}<tr data-domain="{{line.domain}}" class="status-{{line.status}}">
    <td><a href="{{link}}">{{line.domain}}</a></td>
    <td><span class="badge status-{{line.status}}">{{line.status}}</span></td>
    <td class="{{lookupsClass}}"><meter min="0" max="12" low="{{line.lookupBudget}}" high="10" optimum="0" value="{{lookupsValue}}"></meter> {{lookups}}</td>
    <td>{{dmarcPolicy}}</td>
    <td class="counts">{{#line.openFindings}}<span class="severity-critical" title="critical">{{critical}}</span> <span class="severity-error" title="error">{{error}}</span> <span class="severity-warning" title="warning">{{warning}}</span> <span class="severity-info" title="info">{{info}}</span>{{/line.openFindings}}</td>
    <td>{{line.dkimKeys}} / {{line.dkimProblems}}</td>
    <td>{{lastPoll}}</td>
    </tr>
    {{/rows}}
    </tbody>
    </table>
    {{#empty}}<p class="empty">No domain matches.</p>{{/empty}}
    {{> pager}}
    <p class="api"><a href="/api/domains">this page as JSON</a> (same query parameters)</p>
    {{> foot}}
    """

    static let domain = """
    {{> head}}
    {{#document}}
    <h1 id="domain-name">{{domain}}</h1>
    <p class="meta"><span class="badge status-{{status}}">{{status}}</span> polled every {{interval}} s; last poll {{#lastPoll}}{{.}}{{/lastPoll}}{{^lastPoll}}never{{/lastPoll}}{{#nextPoll}}, next {{.}}{{/nextPoll}}{{#source}}; defined in <code>{{.}}</code>{{/source}}</p>
    {{/document}}

    <section id="records"><h2>Records</h2>
    {{#document.records}}
    <p class="muted">As the latest poll read them{{#observedAt}} ({{.}}){{/observedAt}}, verbatim.</p>
    <h3>TXT at the domain</h3>
    <ul class="records" id="txt-records">{{#txt}}<li><code>{{.}}</code></li>{{/txt}}{{^txt}}<li class="muted">none</li>{{/txt}}</ul>
    <h3>TXT at _dmarc</h3>
    <ul class="records" id="dmarc-records">{{#dmarc}}<li><code>{{.}}</code></li>{{/dmarc}}{{^dmarc}}<li class="muted">none</li>{{/dmarc}}</ul>
    {{/document.records}}
    </section>

    <section id="spf"><h2>SPF</h2>
    {{#document.spf}}
    <p class="{{lookupsClass}}" id="spf-lookups"><strong>{{dnsLookups}}</strong>{{#dnsLookupsLowerBound}} or more{{/dnsLookupsLowerBound}} DNS lookups of the limit of {{lookupLimit}} (budget {{lookupBudget}}): {{ownLookups}} in the record itself, {{lookupsInsideIncludes}} inside its includes; {{voidLookups}} void. State: {{state}}{{#result}}; result {{.}}{{/result}}.</p>
    {{/document.spf}}
    {{#hasSPFRecord}}
    <table id="spf-tree"><thead><tr><th>Term</th><th>Lookups</th><th>Target</th><th>Networks</th><th>State</th></tr></thead><tbody>
    {{#terms}}<tr class="term-{{node.kind}}"><td><code>{{node.term}}</code></td><td>{{#counts}}{{node.lookups}}{{/counts}}{{^counts}}0{{/counts}}</td>
    <td>{{#node.target}}<code>{{.}}</code>{{/node.target}}</td>
    <td>{{#hasNetworks}}<details><summary>{{networkCount}}</summary><ul>{{#node.networks}}<li><code>{{.}}</code></li>{{/node.networks}}</ul></details>{{/hasNetworks}}</td>
    <td>{{node.state}}</td></tr>
    {{/terms}}
    </tbody></table>
    {{#hasNested}}<p>Includes further down: {{#document.spf.nestedIncludes}}<code>{{.}}</code> {{/document.spf.nestedIncludes}}</p>{{/hasNested}}
    {{/hasSPFRecord}}
    {{^hasSPFRecord}}<p class="muted">No SPF record known.</p>{{/hasSPFRecord}}
    <h3>Authorized networks</h3>
    <table id="networks"><thead><tr><th>Network</th><th>Term</th><th>Via</th></tr></thead><tbody>
    {{#document.spf.networks}}<tr><td><code>{{network}}</code></td><td><code>{{term}}</code></td><td>{{via}}</td></tr>
    {{/document.spf.networks}}
    </tbody></table>
    </section>

    <section id="dmarc"><h2>DMARC</h2>
    {{#document.dmarc}}<p>Status {{status}}; policy <strong>{{#policy}}{{.}}{{/policy}}{{^policy}}none{{/policy}}</strong> ({{state}}).</p>
    {{#record}}<p><code>{{.}}</code></p>{{/record}}{{/document.dmarc}}
    </section>

    <section id="senders"><h2>Approved senders against DNS</h2>
    {{#hasSenders}}<table id="sender-table"><thead><tr><th>Sender</th><th>Kind</th><th>Value</th><th>Owner</th><th>In DNS</th><th>Term</th></tr></thead><tbody>
    {{#document.senders}}<tr class="sender-{{status}}"><td>{{name}}</td><td>{{kind}}</td><td><code>{{value}}</code></td><td>{{owner}}</td><td><span class="badge sender-{{status}}">{{status}}</span></td><td>{{#term}}<code>{{.}}</code>{{/term}}</td></tr>
    {{/document.senders}}
    </tbody></table>{{/hasSenders}}
    {{^hasSenders}}<p class="muted">No approved senders in the monitor file.</p>{{/hasSenders}}
    </section>

    <section id="dkim"><h2>DKIM keys</h2>
    {{#hasDKIM}}
    <table id="dkim-keys"><thead><tr><th>Key</th><th>What the latest poll read</th><th>State</th></tr></thead><tbody>
    {{#document.dkim.keys}}<tr><td><code>{{name}}</code></td><td>{{summary}}</td><td>{{state}}</td></tr>{{/document.dkim.keys}}
    </tbody></table>
    <table id="dkim-reported"><thead><tr><th>Selector</th><th>d=</th><th>Days</th><th>Messages</th><th>Pass</th><th>Fail</th></tr></thead><tbody>
    {{#document.dkim.reported}}<tr><td><code>{{selector}}</code></td><td>{{signingDomain}}</td><td>{{firstDay}} .. {{lastDay}}</td><td>{{messages}}</td><td>{{pass}}</td><td>{{fail}}</td></tr>{{/document.dkim.reported}}
    </tbody></table>
    {{/hasDKIM}}
    {{^hasDKIM}}<p class="muted">No DKIM selector known (monitor file or reports).</p>{{/hasDKIM}}
    </section>

    <section id="findings"><h2>Open findings</h2>
    <ul class="findings" id="open-findings">{{#open.rows}}{{> finding}}{{/open.rows}}</ul>
    {{#open.empty}}<p class="muted">None open.</p>{{/open.empty}}
    <h2>Resolved findings</h2>
    <ul class="findings" id="resolved-findings">{{#resolved.rows}}{{> finding}}{{/resolved.rows}}</ul>
    {{#resolved.empty}}<p class="muted">None resolved.</p>{{/resolved.empty}}
    {{#resolvedMore}}<p class="muted">Showing the latest {{resolvedShown}} of {{document.findings.resolvedTotal}}: <code>senderwatch findings --domain {{document.domain}}</code> lists them all.</p>{{/resolvedMore}}
    </section>

    <section id="history"><h2>History</h2>
    <ol class="history" id="history-list">
    {{#document.history.items}}<li><p class="dates">{{firstSeen}} .. {{lastSeen}} ({{polls}} polls, {{status}}, {{dnsLookups}} lookups)</p>
    <p>SPF: <code>{{#spfRecord}}{{.}}{{/spfRecord}}{{^spfRecord}}(none){{/spfRecord}}</code><br>DMARC: <code>{{#dmarcRecord}}{{.}}{{/dmarcRecord}}{{^dmarcRecord}}(none){{/dmarcRecord}}</code></p>
    <ul class="changes">{{#changes}}<li>{{.}}</li>{{/changes}}</ul>
    </li>
    {{/document.history.items}}
    </ol>
    {{#historyMore}}<p class="muted">The newest {{historyShown}} of {{document.history.total}} observations: <code>senderwatch history {{document.domain}} --limit N</code> shows more.</p>{{/historyMore}}
    </section>

    <section id="observed"><h2>Observed sources</h2>
    <figure id="pass-rate">{{{passRateChart}}}<figcaption>DMARC pass rate per day (DKIM or SPF aligned), from aggregate reports.</figcaption></figure>
    {{#hasSources}}<table id="sources"><thead><tr><th>Source</th><th>Name</th><th>Messages</th><th>DKIM aligned</th><th>SPF aligned</th><th>DMARC fail</th><th>SPF now</th><th>Days</th></tr></thead><tbody>
    {{#document.observed.sources}}<tr><td><code>{{sourceIP}}</code></td><td>{{name}}</td><td>{{messages}}</td><td>{{dkimAlignedPass}}</td><td>{{spfAlignedPass}}</td><td>{{dmarcFail}}</td><td>{{#authorizedNow}}authorized{{/authorizedNow}}{{^authorizedNow}}<strong>not authorized</strong>{{/authorizedNow}}</td><td>{{firstDay}} .. {{lastDay}}</td></tr>
    {{/document.observed.sources}}
    </tbody></table>{{/hasSources}}
    {{^hasSources}}<p class="muted">No report data for this domain.</p>{{/hasSources}}
    {{#sourcesMore}}<p class="muted">The {{sourcesShown}} busiest of {{document.observed.totalSources}} sources: <code>senderwatch observed {{document.domain}}</code> lists them all.</p>{{/sourcesMore}}
    </section>

    {{#hasFlattened}}<section id="flattened"><h2>Flattened includes</h2><ul>
    {{#document.flattened}}<li><code>{{include}}</code>, flattened {{flattenedAt}}: {{#networks}}<code>{{.}}</code> {{/networks}}</li>{{/document.flattened}}
    </ul></section>{{/hasFlattened}}
    <p class="api"><a href="{{apiLink}}">this page as JSON</a></p>
    {{> foot}}
    """

    static let findings = """
    {{> head}}
    <h1>Findings</h1>
    <form class="filters" method="get" action="/findings">
    <select name="state">{{#stateOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/stateOptions}}</select>
    <select name="severity">{{#severityOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/severityOptions}}</select>
    <select name="kind">{{#kindOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/kindOptions}}</select>
    <input type="search" name="domain" value="{{document.query.domain}}" placeholder="domain contains" maxlength="253">
    <button type="submit">Show</button> <a href="/findings">reset</a>
    </form>
    {{> pager}}
    <table id="findings-table"><thead><tr><th>Severity</th><th>Domain</th><th>Kind</th><th>Subject</th><th>Message and fix</th><th>Since</th><th>State</th></tr></thead><tbody>
    {{#rows}}<tr class="severity-{{line.severity}}" data-kind="{{line.kind}}"><td><span class="badge severity-{{line.severity}}">{{line.severity}}</span></td>
    <td><a href="{{link}}">{{line.domain}}</a></td><td><code>{{line.kind}}</code></td><td>{{line.subject}}</td>
    <td>{{line.message}}{{#open}}{{#line.fix}}<p class="fix"><strong>Fix:</strong> {{.}}</p>{{/line.fix}}{{/open}}</td>
    <td>{{line.firstSeen}}</td><td>{{line.state}}{{#line.resolvedAt}} {{.}}{{/line.resolvedAt}}</td></tr>
    {{/rows}}
    </tbody></table>
    {{#empty}}<p class="empty">No finding matches.</p>{{/empty}}
    {{> pager}}
    <p class="api"><a href="/api/findings">this page as JSON</a></p>
    {{> foot}}
    """

    static let alerts = """
    {{> head}}
    <h1>Alert outbox</h1>
    <ul class="totals" id="outbox-totals"><li><strong>{{pending}}</strong> pending</li><li><strong>{{delivered}}</strong> delivered</li><li class="severity-error"><strong>{{dead}}</strong> dead</li></ul>
    <form class="filters" method="get" action="/alerts">
    <select name="state">{{#stateOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/stateOptions}}</select>
    <button type="submit">Show</button>
    </form>
    {{> pager}}
    <table id="outbox"><thead><tr><th>#</th><th>State</th><th>Route</th><th>Event</th><th>Domain</th><th>Kind</th><th>Severity</th><th>Attempts</th><th>Created</th><th>Delivered / next</th><th>Last error</th></tr></thead><tbody>
    {{#rows}}{{#item}}<tr class="outbox-{{state}}"><td>{{id}}</td><td><span class="badge outbox-{{state}}">{{state}}</span></td><td>{{route}}</td><td>{{event}}</td>
    <td>{{#link}}<a href="{{.}}">{{item.domain}}</a>{{/link}}</td><td><code>{{kind}}</code></td><td>{{severity}}</td><td>{{attempts}}</td><td>{{createdAt}}</td>
    <td>{{deliveredAt}}{{nextAttemptAt}}</td><td>{{lastError}}</td></tr>{{/item}}
    {{/rows}}
    </tbody></table>
    {{#empty}}<p class="empty">No alerts.</p>{{/empty}}
    {{> pager}}
    <p class="api"><a href="/api/alerts">this page as JSON</a></p>
    {{> foot}}
    """

    static let snapshots = """
    {{> head}}
    <h1>Snapshots</h1>
    {{#document}}<p id="chain-status" class="chain-{{chain}}">Chain: <strong>{{chain}}</strong></p>
    <ul class="problems">{{#problems}}<li>{{.}}</li>{{/problems}}</ul>{{/document}}
    <table id="snapshot-links"><thead><tr><th>Sequence</th><th>Taken</th><th>File</th><th>Check</th><th>SHA-256</th><th>Problems</th></tr></thead><tbody>
    {{#rows}}<tr class="file-{{file}}"><td>{{sequence}}</td><td>{{takenAt}}</td><td>{{#path}}<code>{{.}}</code>{{/path}}</td><td><span class="badge file-{{file}}">{{file}}</span></td><td><code class="digest">{{sha256}}</code></td>
    <td>{{#problems}}<p>{{.}}</p>{{/problems}}</td></tr>
    {{/rows}}
    </tbody></table>
    {{#empty}}<p class="empty">No snapshot chained yet: <code>senderwatch snapshot --out FILE.json</code> takes one.</p>{{/empty}}
    <p class="api"><a href="/api/snapshots">this page as JSON</a></p>
    {{> foot}}
    """
}
