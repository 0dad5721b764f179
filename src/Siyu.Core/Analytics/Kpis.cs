using Siyu.Core.Audiences.Conditions;

namespace Siyu.Core.Analytics;

/// <summary>What a KPI event is (the log's event types, narrowed to what the dashboard counts).</summary>
public enum KpiEventKind { Added, Deleted, GroupJoined, MessageSent, MessageFailed, MessageClicked, OrderPaid, OrderRefunded }

/// <summary>
/// One event as the KPIs read it. <see cref="Staff"/> is the WeCom member (userid) of an add or delete;
/// <see cref="Amount"/> the yuan of an order or refund; <see cref="Transfer"/> marks the delete + add pair of a customer
/// moved from one member to another (离职/在职继承): it changes the owner, it is not growth.
/// </summary>
public readonly record struct KpiEvent(long Customer, long Ticks, KpiEventKind Kind, string? Staff = null, decimal Amount = 0m, bool Transfer = false);

/// <summary>A customer and the moment they were first seen (UTC ticks).</summary>
public readonly record struct KpiCustomer(long Id, long FirstSeenTicks);

/// <summary>
/// The figures of one period (tenant-local days <see cref="From"/> to <see cref="To"/>, both included). Rates are
/// fractions (0.25 = 25 %); a rate, average or factor whose denominator is 0 is null, never a division by zero.
/// </summary>
public sealed record KpiFigures(
    DateOnly From, DateOnly To,
    int Adds, int Deletes, int NetGrowth, int GroupJoins,
    int MessagesSent, int MessagesFailed, double? DeliveryRate, int CustomersReached,
    int Clicks, int CustomersClicked, double? ClickRate,
    int Customers, int Buyers, int RepeatBuyers, int PaidOrders, decimal Gmv, decimal Refunds,
    double? Conversion, double? RepurchaseRate, decimal? Aov, double? Frequency,
    int Payers, decimal? Ltv);

/// <summary>One figure now and in the previous period of the same length; <see cref="ChangeRatio"/> is change ÷ |previous|.</summary>
public sealed record KpiMetric(string Key, decimal? Current, decimal? Previous, decimal? Change, double? ChangeRatio);

/// <summary>GMV = customers × conversion × AOV × frequency (the four factors of the current period; null factors mean GMV is 0).</summary>
public sealed record GmvDecomposition(int Customers, double? Conversion, decimal? Aov, double? Frequency, decimal Gmv);

/// <summary>One day of the chart: WeCom adds and deletes (transfers left out), net growth, paid orders and GMV.</summary>
public sealed record KpiDay(DateOnly Day, int Adds, int Deletes, int NetGrowth, int PaidOrders, decimal Gmv);

/// <summary>
/// One staff member's period: the adds and deletes they made (transfers left out), and the customers they own (see
/// <see cref="Kpis"/>) who paid in the period, with those customers' orders and GMV. <see cref="Staff"/> null gathers
/// adds and deletes without a member and buyers nobody owns.
/// </summary>
public sealed record KpiStaffRow(string? Staff, int Adds, int Deletes, int NetGrowth, int Buyers, int PaidOrders, decimal Gmv);

public sealed record KpiReport(
    KpiFigures Current, KpiFigures Previous, IReadOnlyList<KpiMetric> Metrics, GmvDecomposition Decomposition,
    IReadOnlyList<KpiDay> Daily, IReadOnlyList<KpiStaffRow> Staff);

/// <summary>
/// The KPI dashboard over a range of tenant-local days and the previous range of the same length (for deltas).
/// <list type="bullet">
/// <item>adds / deletes: <c>customer.added</c> / <c>customer.deleted</c> events (one per staff–customer relation), transfers
/// left out; net growth = adds − deletes; group joins: <c>group.joined</c> events.</item>
/// <item>messages sent / failed: <c>message.sent</c> (handed to the channel) / <c>message.failed</c> events; delivery rate =
/// sent ÷ (sent + failed); customers reached: distinct customers sent a message; clicks: <c>message.clicked</c> events;
/// click rate = reached customers who clicked in the period ÷ customers reached.</item>
/// <item>customers: customers first seen on or before the last day; buyers: distinct customers with a paid order in the
/// period; GMV: the paid orders' amounts (refunds not deducted, shown apart); conversion = buyers ÷ customers;
/// repurchase rate = buyers with ≥ 2 paid orders in the period ÷ buyers; AOV = GMV ÷ paid orders;
/// frequency = paid orders ÷ buyers; so GMV = customers × conversion × AOV × frequency exactly.</item>
/// <item>LTV: (all paid − all refunded, up to the last day) summed over customers who ever paid up to then, ÷ those customers.</item>
/// <item>staff: a customer's owner at the end of the last day is the member of their earliest relation still in place,
/// or, when every relation ended, of the last one to end (a transfer moves the owner to the takeover member).</item>
/// </list>
/// </summary>
public static class Kpis
{
    public const int MaxDays = 366;

    /// <summary>The previous period: the same number of days, ending the day before <paramref name="from"/>.</summary>
    public static (DateOnly From, DateOnly To) PreviousPeriod(DateOnly from, DateOnly to)
    {
        var days = to.DayNumber - from.DayNumber + 1;
        return (from.AddDays(-days), from.AddDays(-1));
    }

    /// <param name="events">Events up to the end of <paramref name="to"/>, any order; adds, deletes, orders and refunds
    /// from the beginning (owners and LTV need the history), the others from the previous period's first day.</param>
    public static KpiReport Compute(IEnumerable<KpiEvent> events, IEnumerable<KpiCustomer> customers, DateOnly from, DateOnly to, TimeZoneInfo zone)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(from, to);
        var (prevFrom, prevTo) = PreviousPeriod(from, to);
        var current = new Period(from, to);
        var previous = new Period(prevFrom, prevTo);
        var days = new DayCounts[to.DayNumber - from.DayNumber + 1];
        var relations = new List<(long Ticks, int Order, KpiEvent Event)>();
        var money = new Dictionary<long, Money>();
        var order = 0;
        foreach (var e in events)
        {
            var day = Comparisons.LocalDay(e.Ticks, zone);
            if (day > to.DayNumber)
            {
                continue;
            }
            if (e.Kind is KpiEventKind.Added or KpiEventKind.Deleted)
            {
                relations.Add((e.Ticks, order++, e));
            }
            if (e.Kind is KpiEventKind.OrderPaid or KpiEventKind.OrderRefunded)
            {
                if (!money.TryGetValue(e.Customer, out var m))
                {
                    money[e.Customer] = m = new Money();
                }
                m.Add(e, day <= prevTo.DayNumber);
            }
            var period = current.Contains(day) ? current : previous.Contains(day) ? previous : null;
            period?.Count(e);
            if (period == current)
            {
                days[day - from.DayNumber].Count(e);
            }
        }
        var owners = Owners(relations);
        foreach (var c in customers)
        {
            var day = Comparisons.LocalDay(c.FirstSeenTicks, zone);
            if (day <= prevTo.DayNumber)
            {
                previous.Customers++;
            }
            if (day <= to.DayNumber)
            {
                current.Customers++;
            }
        }
        var now = current.Figures(money.Values, upToPrevious: false);
        var before = previous.Figures(money.Values, upToPrevious: true);
        var daily = days.Select((d, i) => new KpiDay(from.AddDays(i), d.Adds, d.Deletes, d.Adds - d.Deletes, d.Orders, d.Gmv)).ToList();
        return new KpiReport(now, before, Metrics(now, before), new GmvDecomposition(now.Customers, now.Conversion, now.Aov, now.Frequency, now.Gmv),
            daily, current.Staff(owners));
    }

    /// <summary>The figures side by side with change and relative change, in the order the dashboard shows them.</summary>
    public static IReadOnlyList<KpiMetric> Metrics(KpiFigures now, KpiFigures before)
    {
        static decimal? D(double? x) => x is { } v ? (decimal)v : null;
        (string, decimal?, decimal?)[] pairs =
        [
            ("adds", now.Adds, before.Adds), ("deletes", now.Deletes, before.Deletes), ("net_growth", now.NetGrowth, before.NetGrowth),
            ("group_joins", now.GroupJoins, before.GroupJoins), ("messages_sent", now.MessagesSent, before.MessagesSent),
            ("messages_failed", now.MessagesFailed, before.MessagesFailed), ("delivery_rate", D(now.DeliveryRate), D(before.DeliveryRate)),
            ("customers_reached", now.CustomersReached, before.CustomersReached), ("clicks", now.Clicks, before.Clicks),
            ("customers_clicked", now.CustomersClicked, before.CustomersClicked), ("click_rate", D(now.ClickRate), D(before.ClickRate)),
            ("customers", now.Customers, before.Customers), ("buyers", now.Buyers, before.Buyers), ("conversion", D(now.Conversion), D(before.Conversion)),
            ("repeat_buyers", now.RepeatBuyers, before.RepeatBuyers), ("repurchase_rate", D(now.RepurchaseRate), D(before.RepurchaseRate)),
            ("paid_orders", now.PaidOrders, before.PaidOrders), ("gmv", now.Gmv, before.Gmv), ("aov", now.Aov, before.Aov),
            ("frequency", D(now.Frequency), D(before.Frequency)), ("refunds", now.Refunds, before.Refunds), ("payers", now.Payers, before.Payers),
            ("ltv", now.Ltv, before.Ltv),
        ];
        return pairs.Select(p =>
        {
            var (key, c, b) = p;
            var change = c - b;
            double? ratio = change is { } ch && b is { } bv && bv != 0 ? (double)(ch / Math.Abs(bv)) : null;
            return new KpiMetric(key, c, b, change, ratio);
        }).ToList();
    }

    /// <summary>Each customer's owner at the end of the range (see the class summary), from adds and deletes in time order.</summary>
    private static Dictionary<long, string> Owners(List<(long Ticks, int Order, KpiEvent Event)> relations)
    {
        relations.Sort((a, b) => a.Ticks != b.Ticks ? a.Ticks.CompareTo(b.Ticks) : a.Order.CompareTo(b.Order));
        var active = new Dictionary<long, Dictionary<string, long>>();
        var lastEnded = new Dictionary<long, string>();
        foreach (var (ticks, _, e) in relations)
        {
            if (e.Staff is not { Length: > 0 } staff)
            {
                continue;
            }
            if (!active.TryGetValue(e.Customer, out var open))
            {
                active[e.Customer] = open = new Dictionary<string, long>(StringComparer.Ordinal);
            }
            if (e.Kind == KpiEventKind.Added)
            {
                open.TryAdd(staff, ticks); // a repeated add keeps the relation's start
            }
            else if (open.Remove(staff))
            {
                lastEnded[e.Customer] = staff;
            }
        }
        var owners = new Dictionary<long, string>();
        foreach (var (customer, open) in active)
        {
            if (open.Count > 0)
            {
                owners[customer] = open.OrderBy(o => o.Value).ThenBy(o => o.Key, StringComparer.Ordinal).First().Key;
            }
            else if (lastEnded.TryGetValue(customer, out var staff))
            {
                owners[customer] = staff;
            }
        }
        return owners;
    }

    private struct DayCounts
    {
        public int Adds;
        public int Deletes;
        public int Orders;
        public decimal Gmv;

        public void Count(KpiEvent e)
        {
            switch (e.Kind)
            {
                case KpiEventKind.Added when !e.Transfer:
                    Adds++;
                    break;
                case KpiEventKind.Deleted when !e.Transfer:
                    Deletes++;
                    break;
                case KpiEventKind.OrderPaid:
                    Orders++;
                    Gmv += e.Amount;
                    break;
            }
        }
    }

    /// <summary>A customer's paid and refunded money up to the end of the previous period and up to the end of the range.</summary>
    private sealed class Money
    {
        public int OrdersBefore;
        public decimal NetBefore;
        public int Orders;
        public decimal Net;

        public void Add(KpiEvent e, bool beforeCurrent)
        {
            var paid = e.Kind == KpiEventKind.OrderPaid;
            var delta = paid ? e.Amount : -e.Amount;
            Orders += paid ? 1 : 0;
            Net += delta;
            if (beforeCurrent)
            {
                OrdersBefore += paid ? 1 : 0;
                NetBefore += delta;
            }
        }
    }

    private sealed class Period(DateOnly from, DateOnly to)
    {
        private int _adds, _deletes, _groupJoins, _sent, _failed, _clicks, _orders;
        private decimal _gmv, _refunds;
        private readonly HashSet<long> _reached = [];
        private readonly HashSet<long> _clicked = [];
        private readonly Dictionary<long, (int Orders, decimal Gmv)> _buyers = [];
        private readonly Dictionary<string, (int Adds, int Deletes)> _staff = new(StringComparer.Ordinal);
        private (int Adds, int Deletes) _noStaff;

        public int Customers { get; set; }

        public bool Contains(int day) => day >= from.DayNumber && day <= to.DayNumber;

        public void Count(KpiEvent e)
        {
            switch (e.Kind)
            {
                case KpiEventKind.Added or KpiEventKind.Deleted when !e.Transfer:
                    var added = e.Kind == KpiEventKind.Added;
                    _adds += added ? 1 : 0;
                    _deletes += added ? 0 : 1;
                    var (a, d) = e.Staff is { Length: > 0 } s ? _staff.GetValueOrDefault(s) : _noStaff;
                    (a, d) = added ? (a + 1, d) : (a, d + 1);
                    if (e.Staff is { Length: > 0 } staff)
                    {
                        _staff[staff] = (a, d);
                    }
                    else
                    {
                        _noStaff = (a, d);
                    }
                    break;
                case KpiEventKind.GroupJoined:
                    _groupJoins++;
                    break;
                case KpiEventKind.MessageSent:
                    _sent++;
                    _reached.Add(e.Customer);
                    break;
                case KpiEventKind.MessageFailed:
                    _failed++;
                    break;
                case KpiEventKind.MessageClicked:
                    _clicks++;
                    _clicked.Add(e.Customer);
                    break;
                case KpiEventKind.OrderPaid:
                    _orders++;
                    _gmv += e.Amount;
                    var (n, g) = _buyers.GetValueOrDefault(e.Customer);
                    _buyers[e.Customer] = (n + 1, g + e.Amount);
                    break;
                case KpiEventKind.OrderRefunded:
                    _refunds += e.Amount;
                    break;
            }
        }

        public KpiFigures Figures(IEnumerable<Money> money, bool upToPrevious)
        {
            var buyers = _buyers.Count;
            var payers = 0;
            var net = 0m;
            foreach (var m in money)
            {
                if ((upToPrevious ? m.OrdersBefore : m.Orders) > 0)
                {
                    payers++;
                    net += upToPrevious ? m.NetBefore : m.Net;
                }
            }
            return new KpiFigures(from, to,
                _adds, _deletes, _adds - _deletes, _groupJoins,
                _sent, _failed, Ratio(_sent, _sent + _failed), _reached.Count,
                _clicks, _clicked.Count, Ratio(_clicked.Count(_reached.Contains), _reached.Count),
                Customers, buyers, _buyers.Values.Count(b => b.Orders >= 2), _orders, _gmv, _refunds,
                Ratio(buyers, Customers), Ratio(_buyers.Values.Count(b => b.Orders >= 2), buyers), _orders == 0 ? null : _gmv / _orders,
                Ratio(_orders, buyers), payers, payers == 0 ? null : net / payers);
        }

        public IReadOnlyList<KpiStaffRow> Staff(Dictionary<long, string> owners)
        {
            var rows = new Dictionary<string, (int Adds, int Deletes, int Buyers, int Orders, decimal Gmv)>(StringComparer.Ordinal);
            foreach (var (staff, (a, d)) in _staff)
            {
                rows[staff] = (a, d, 0, 0, 0m);
            }
            var none = (_noStaff.Adds, _noStaff.Deletes, Buyers: 0, Orders: 0, Gmv: 0m);
            foreach (var (customer, (orders, gmv)) in _buyers)
            {
                if (owners.TryGetValue(customer, out var owner))
                {
                    var r = rows.GetValueOrDefault(owner);
                    rows[owner] = (r.Adds, r.Deletes, r.Buyers + 1, r.Orders + orders, r.Gmv + gmv);
                }
                else
                {
                    none = (none.Adds, none.Deletes, none.Buyers + 1, none.Orders + orders, none.Gmv + gmv);
                }
            }
            var list = rows.Select(r => new KpiStaffRow(r.Key, r.Value.Adds, r.Value.Deletes, r.Value.Adds - r.Value.Deletes, r.Value.Buyers, r.Value.Orders, r.Value.Gmv))
                .OrderByDescending(r => r.Gmv).ThenByDescending(r => r.NetGrowth).ThenByDescending(r => r.Adds).ThenBy(r => r.Staff, StringComparer.Ordinal)
                .ToList();
            if (none.Adds + none.Deletes + none.Buyers > 0)
            {
                list.Add(new KpiStaffRow(null, none.Adds, none.Deletes, none.Adds - none.Deletes, none.Buyers, none.Orders, none.Gmv));
            }
            return list;
        }

        private static double? Ratio(int numerator, int denominator) => denominator == 0 ? null : (double)numerator / denominator;
    }
}
