import Testing
@testable import KPIQ

/// Column pruning changes what the inputs of joins, sorts and unions carry, never a result:
/// every query here runs with and without it and must give the same table, and the joins'
/// inputs must hold only the columns read above them.
@Suite struct ColumnPruningTests {
    let session: Session

    init() throws {
        session = Session()
        let deals = try TestSupport.file("""
            deal_id,contact_id,amount,won,stage,note
            1,10,100.5,1,closed,a
            2,11,80,0,open,b
            3,10,,1,closed,c
            4,12,40,1,closed,
            5,,70,1,closed,e
            6,13,20,0,lost,f

            """, name: "deals.csv")
        let contacts = try TestSupport.file("""
            contact_id,campaign,email,country,customer_at
            10,spring,a@x,FR,2024-03-01
            11,spring,b@x,DE,
            12,,c@x,FR,2024-04-02
            13,fall,d@x,US,2024-05-03
            14,fall,e@x,US,

            """, name: "contacts.csv")
        defer {
            TestSupport.remove(deals)
            TestSupport.remove(contacts)
        }
        for statement in ["load \"\(deals)\" as deals", "load \"\(contacts)\" as contacts"] {
            if let error = session.run(SourceText(name: "t", text: statement)).error { throw error }
        }
    }

    static let queries = [
        // A join read for two columns, after a filter on a third.
        "from deals | where won = 1 | join contacts on contact_id | group campaign | agg revenue = sum(amount), deals = count() | sort campaign",
        // Left join whose right side is a pipeline; a column derived and never read.
        "from contacts | derive unused = country || '!' | join left (from deals | group contact_id | agg n = count()) on contact_id | select email, n | sort email",
        // Nothing read at all above the join, union and sort: only rows are counted.
        "from deals | join contacts on contact_id | agg n = count()",
        "from deals | union deals | agg n = count()",
        "from deals | sort amount desc | limit 3 | agg n = count()",
        // Sort by a column the result then drops.
        "from deals | sort amount desc nulls last | select deal_id | limit 4",
        // A union narrowed on both sides, then a join on its output.
        "from deals | select contact_id, amount | union (from deals | select contact_id, amount) | join contacts on contact_id | group country | agg total = sum(amount) | sort country",
        // Everything kept: the plan is unchanged.
        "from deals | join left contacts on contact_id | sort deal_id",
        // Windows: the input narrowed to the columns read above and by the window (partition,
        // order, arguments), with computed arguments and keys; a window nothing reads.
        "from deals | sort amount desc | derive r = rank(), prev = lag(note), s = share(amount * 2) by lower(stage) | select deal_id, r, prev, s",
        "from deals | sort deal_id | derive unused = running_sum(amount) by stage | agg n = count()",
        "from deals | join contacts on contact_id | sort customer_at | top 1 by campaign | select email",
        "from deals | group stage | agg n = count(), total = sum(amount) with total | sort stage",
    ]

    @Test(arguments: queries)
    func resultsAreTheSameWithAndWithoutPruning(_ text: String) throws {
        let plan = try bound(text)
        var plain = Executor()
        plain.prunesColumns = false
        let expected = try plain.run(plan)
        let pruned = try Executor().run(plan)
        #expect(pruned.names == expected.names)
        #expect(pruned.rowCount == expected.rowCount)
        for (a, b) in zip(pruned.columns, expected.columns) {
            #expect((0..<a.count).map { a.scalar(at: $0) } == (0..<b.count).map { b.scalar(at: $0) })
        }
    }

    @Test func joinInputsCarryOnlyTheColumnsReadAbove() throws {
        let plan = ColumnPruning.prune(try bound(Self.queries[0]))
        var joins: [(Int, Int)] = []
        func walk(_ node: LogicalPlan) {
            switch node {
            case .scan, .stage: break
            case .window(let input, _, _, _, _, _): walk(input)
            case .filter(let input, _), .filterIn(let input, _, _), .sort(let input, _), .limit(let input, _, _), .project(let input, _, _), .aggregate(let input, _, _, _):
                walk(input)
            case .join(let left, let right, _, _):
                joins.append((left.width, right.width))
                walk(left)
                walk(right)
            case .union(let left, let right, _):
                walk(left)
                walk(right)
            }
        }
        walk(plan)
        // deals: contact_id and amount (won is read below the join); contacts: contact_id, campaign.
        #expect(joins.count == 1)
        #expect(joins.first.map { [$0.0, $0.1] } == [2, 2])
    }

    private func bound(_ text: String) throws -> LogicalPlan {
        let parsed = Parser.parse(SourceText(name: "t", text: text))
        guard case .query(let pipeline) = parsed.statements[0].kind else {
            Issue.record("not a query: \(text)")
            throw Cancelled()
        }
        return try Binder(catalog: session.catalog, asOf: 0).bind(pipeline).plan
    }
}
