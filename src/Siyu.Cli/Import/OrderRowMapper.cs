using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Siyu.Cli.Import;

/// <summary>The columns an orders CSV may have. Anything else in the file is ignored (with a warning).</summary>
public enum OrderColumn
{
    OrderId,
    PaidAt,
    Amount,
    Category,
    Status,
    Phone,
    ExternalUserId,
    UnionId,
    PlatformId,
    Platform,
    BuyerId,
    Email,
    Name,
}

/// <summary>A problem with one row, reported as <c>line 17, amount: not a number ('abc')</c>.</summary>
public sealed record RowError(int Line, string Column, string Message)
{
    public override string ToString() => $"line {Line}, {Column}: {Message}";
}

/// <summary>One CSV row turned into an ingest event, ready to be sent.</summary>
public sealed record OrderEvent(string Id, CsvRecord Row, JsonObject Json);

/// <summary>The header row cannot be used for an orders import; nothing should be sent.</summary>
public sealed class HeaderException(string message) : Exception(message);

/// <summary>
/// Turns rows of an orders CSV into <c>order.paid</c> / <c>order.refunded</c> events and validates
/// them on the client, so a bad row is reported with its line number and column before anything is
/// sent, and the good rows still go through.
/// </summary>
public sealed partial class OrderRowMapper
{
    /// <summary>Times without an offset are China time. Shanghai has had no DST since 1991, so a fixed offset is exact and needs no tz database.</summary>
    public static readonly TimeSpan ShanghaiOffset = TimeSpan.FromHours(8);

    /// <summary>The server refuses events older than this.</summary>
    public static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The server allows this much clock skew into the future.</summary>
    public static readonly TimeSpan MaxFutureSkew = TimeSpan.FromMinutes(5);

    /// <summary>The server caps an event id at 128 characters; "import:orders:" + ":refunded" take 23.</summary>
    public const int MaxOrderIdLength = 105;

    private const int MaxIdentifierLength = 256;
    private const string IdPrefix = "import:orders:";

    /// <summary>Header spellings per column, compared after <see cref="NormalizeHeader"/>.</summary>
    public static readonly IReadOnlyDictionary<OrderColumn, string[]> Aliases = new Dictionary<OrderColumn, string[]>
    {
        [OrderColumn.OrderId] = ["order_id", "订单号", "订单编号"],
        [OrderColumn.PaidAt] = ["paid_at", "支付时间", "付款时间"],
        [OrderColumn.Amount] = ["amount", "金额", "实付金额"],
        [OrderColumn.Category] = ["category", "品类"],
        [OrderColumn.Status] = ["status", "状态", "订单状态"],
        [OrderColumn.Phone] = ["phone", "手机号", "手机号码"],
        [OrderColumn.ExternalUserId] = ["external_userid"],
        [OrderColumn.UnionId] = ["unionid"],
        [OrderColumn.PlatformId] = ["platform_id"],
        [OrderColumn.Platform] = ["platform", "平台"],
        [OrderColumn.BuyerId] = ["buyer_id", "买家id"],
        [OrderColumn.Email] = ["email", "邮箱"],
        [OrderColumn.Name] = ["name", "姓名"],
    };

    private static readonly Dictionary<string, OrderColumn> ColumnByAlias =
        Aliases.SelectMany(a => a.Value.Select(alias => (alias, a.Key))).ToDictionary(x => x.alias, x => x.Key);

    private static readonly (OrderColumn Column, string WireName)[] DirectIdentifiers =
    [
        (OrderColumn.Phone, "phone"),
        (OrderColumn.ExternalUserId, "external_userid"),
        (OrderColumn.UnionId, "unionid"),
        (OrderColumn.PlatformId, "platform_id"),
        (OrderColumn.Email, "email"),
    ];

    private static readonly string[] LocalTimeFormats =
    [
        "yyyy-M-d H:mm:ss.FFFFFFF",
        "yyyy-M-d H:mm",
        "yyyy/M/d H:mm:ss.FFFFFFF",
        "yyyy/M/d H:mm",
        "yyyy-M-d'T'H:mm:ss.FFFFFFF",
        "yyyy-M-d'T'H:mm",
        "yyyy-M-d",
        "yyyy/M/d",
    ];

    private readonly Dictionary<OrderColumn, int> _index;
    private readonly IReadOnlyList<string> _header;
    private readonly string _sourceFile;
    private readonly Dictionary<string, int> _firstLineById = new(StringComparer.Ordinal);

    private OrderRowMapper(IReadOnlyList<string> header, Dictionary<OrderColumn, int> index, IReadOnlyList<string> ignoredColumns, string sourceFile)
    {
        _header = header;
        _index = index;
        _sourceFile = sourceFile;
        IgnoredColumns = ignoredColumns;
    }

    /// <summary>Header cells that are not an orders column; their values are not imported.</summary>
    public IReadOnlyList<string> IgnoredColumns { get; }

    public IReadOnlyList<string> Header => _header;

    public bool Has(OrderColumn column) => _index.ContainsKey(column);

    /// <summary>Lower-case, trimmed, spaces and hyphens as underscores: "Order ID" and "order-id" both mean order_id.</summary>
    public static string NormalizeHeader(string cell) =>
        cell.Trim().ToLowerInvariant().Replace(' ', '_').Replace('-', '_');

    /// <summary>The English name of a column, as used in messages and the README.</summary>
    public static string CanonicalName(OrderColumn column) => Aliases[column][0];

    public static OrderRowMapper FromHeader(IReadOnlyList<string> header, string sourceFile)
    {
        var index = new Dictionary<OrderColumn, int>();
        var ignored = new List<string>();
        for (var i = 0; i < header.Count; i++)
        {
            var cell = header[i];
            if (!ColumnByAlias.TryGetValue(NormalizeHeader(cell), out var column))
            {
                // The error column of an --errors-out file is expected and not worth a warning.
                if (cell.Trim().Length > 0 && NormalizeHeader(cell) != ImportReport.ErrorColumn)
                {
                    ignored.Add(cell.Trim());
                }
                continue;
            }
            if (index.TryGetValue(column, out var earlier))
            {
                throw new HeaderException(
                    $"Columns '{header[earlier].Trim()}' and '{cell.Trim()}' both mean {CanonicalName(column)}; keep only one of them.");
            }
            index[column] = i;
        }

        if (index.Count == 0)
        {
            throw new HeaderException(
                "No known column in the first row. A header row is required, e.g. order_id,paid_at,amount,phone (or 订单号,支付时间,金额,手机号).");
        }
        var missing = new[] { OrderColumn.OrderId, OrderColumn.PaidAt, OrderColumn.Amount }
            .Where(c => !index.ContainsKey(c))
            .Select(c => $"{CanonicalName(c)} ({string.Join("/", Aliases[c].Skip(1))})")
            .ToList();
        if (missing.Count > 0)
        {
            throw new HeaderException($"Missing required column(s): {string.Join(", ", missing)}.");
        }
        if (index.ContainsKey(OrderColumn.Platform) != index.ContainsKey(OrderColumn.BuyerId))
        {
            throw new HeaderException("The platform and buyer_id columns go together (they build platform_id \"platform:buyer_id\"); the file has only one of them.");
        }
        if (!DirectIdentifiers.Any(d => index.ContainsKey(d.Column)) && !index.ContainsKey(OrderColumn.Platform))
        {
            throw new HeaderException(
                "No customer identifier column. Add at least one of phone (手机号), external_userid, unionid, platform_id, platform + buyer_id, email.");
        }
        return new OrderRowMapper(header, index, ignored, sourceFile);
    }

    /// <summary>
    /// How a column is named in messages: the English name, plus the header as written when that
    /// differs (e.g. <c>amount (实付金额)</c>), so the user finds it in their own file.
    /// </summary>
    public string Label(OrderColumn column)
    {
        var canonical = CanonicalName(column);
        if (_index.TryGetValue(column, out var i) && !string.Equals(_header[i].Trim(), canonical, StringComparison.OrdinalIgnoreCase))
        {
            return $"{canonical} ({_header[i].Trim()})";
        }
        return canonical;
    }

    /// <summary>Maps a field path of a server-side error (relative to the event, e.g. <c>properties.amount</c>) back to a CSV column.</summary>
    public string LabelForEventPath(string path)
    {
        OrderColumn? column = path switch
        {
            "id" or "properties.order_id" => OrderColumn.OrderId,
            "type" => OrderColumn.Status,
            "timestamp" => OrderColumn.PaidAt,
            "properties.amount" => OrderColumn.Amount,
            "properties.category" => OrderColumn.Category,
            "attributes.name" => OrderColumn.Name,
            _ => null,
        };
        if (path.StartsWith("identifiers.", StringComparison.Ordinal))
        {
            var wire = path["identifiers.".Length..];
            foreach (var (c, name) in DirectIdentifiers)
            {
                if (wire == name || wire.StartsWith(name + "[", StringComparison.Ordinal))
                {
                    column = c;
                }
            }
        }
        if (column == OrderColumn.PlatformId && !Has(OrderColumn.PlatformId) && Has(OrderColumn.Platform))
        {
            return $"{Label(OrderColumn.Platform)} + {Label(OrderColumn.BuyerId)}";
        }
        return column is { } known ? Label(known) : path.Length == 0 ? "row" : path;
    }

    /// <summary>The deterministic event id: re-importing the same file stores nothing twice.</summary>
    public static string EventId(string orderId, bool refunded) => $"{IdPrefix}{orderId}:{(refunded ? "refunded" : "paid")}";

    /// <summary>Validates and maps one data row; on failure adds every problem found to <paramref name="errors"/>.</summary>
    public OrderEvent? Map(CsvRecord row, DateTimeOffset now, List<RowError> errors)
    {
        var before = errors.Count;
        var line = row.LineNumber;

        if (row.Fields.Count > _header.Count && row.Fields.Skip(_header.Count).Any(f => f.Trim().Length > 0))
        {
            errors.Add(new RowError(line, "row", $"has {row.Fields.Count} fields but the header has {_header.Count} (an unquoted comma inside a value?)"));
            return null;
        }

        var orderId = Value(row, OrderColumn.OrderId);
        if (orderId.Length == 0)
        {
            errors.Add(new RowError(line, Label(OrderColumn.OrderId), "required"));
        }
        else if (orderId.Length > MaxOrderIdLength)
        {
            errors.Add(new RowError(line, Label(OrderColumn.OrderId), $"too long ({orderId.Length} characters, max {MaxOrderIdLength})"));
        }

        var paidAtText = Value(row, OrderColumn.PaidAt);
        DateTimeOffset paidAt = default;
        if (paidAtText.Length == 0)
        {
            errors.Add(new RowError(line, Label(OrderColumn.PaidAt), "required"));
        }
        else if (!TryParsePaidAt(paidAtText, out paidAt))
        {
            errors.Add(new RowError(line, Label(OrderColumn.PaidAt),
                $"not a date-time ('{paidAtText}'); use e.g. 2026-11-25 10:00:00 (China time) or 2026-11-25T10:00:00+08:00"));
        }
        else if (paidAt < Earliest)
        {
            errors.Add(new RowError(line, Label(OrderColumn.PaidAt), $"before 2000-01-01 ('{paidAtText}')"));
        }
        else if (paidAt > now + MaxFutureSkew)
        {
            errors.Add(new RowError(line, Label(OrderColumn.PaidAt), $"in the future ('{paidAtText}')"));
        }

        var amountText = Value(row, OrderColumn.Amount);
        decimal amount = 0;
        if (amountText.Length == 0)
        {
            errors.Add(new RowError(line, Label(OrderColumn.Amount), "required"));
        }
        else if (!TryParseAmount(amountText, out amount))
        {
            errors.Add(new RowError(line, Label(OrderColumn.Amount), $"not a number ('{amountText}')"));
        }
        else if (amount < 0)
        {
            errors.Add(new RowError(line, Label(OrderColumn.Amount), $"must not be negative ('{amountText}')"));
        }
        else if (amount > 1_000_000_000_000m)
        {
            errors.Add(new RowError(line, Label(OrderColumn.Amount), $"too large ('{amountText}')"));
        }

        var statusText = Value(row, OrderColumn.Status);
        var refunded = false;
        if (!TryParseStatus(statusText, out refunded))
        {
            errors.Add(new RowError(line, Label(OrderColumn.Status), $"unknown status '{statusText}'; use paid/已支付 or refunded/已退款"));
        }

        var identifiers = new JsonObject();
        var beforeIdentifiers = errors.Count;
        foreach (var (column, wireName) in DirectIdentifiers)
        {
            var value = Value(row, column);
            if (value.Length > MaxIdentifierLength)
            {
                errors.Add(new RowError(line, Label(column), $"too long ({value.Length} characters, max {MaxIdentifierLength})"));
            }
            else if (value.Length > 0)
            {
                identifiers[wireName] = value;
            }
        }
        var platform = Value(row, OrderColumn.Platform);
        var buyerId = Value(row, OrderColumn.BuyerId);
        if (platform.Length > 0 && buyerId.Length == 0)
        {
            errors.Add(new RowError(line, Label(OrderColumn.BuyerId), $"required when platform is given ('{platform}')"));
        }
        else if (buyerId.Length > 0 && platform.Length == 0)
        {
            errors.Add(new RowError(line, Label(OrderColumn.Platform), $"required when buyer_id is given ('{buyerId}')"));
        }
        else if (platform.Length > 0 && !identifiers.ContainsKey("platform_id"))
        {
            // Platform names are matched exactly by the server, so "Taobao" and "taobao" must not become two customers.
            var platformId = $"{platform.ToLowerInvariant()}:{buyerId}";
            if (platformId.Length > MaxIdentifierLength)
            {
                errors.Add(new RowError(line, Label(OrderColumn.BuyerId), $"too long (max {MaxIdentifierLength} characters with the platform)"));
            }
            else
            {
                identifiers["platform_id"] = platformId;
            }
        }
        if (identifiers.Count == 0 && errors.Count == beforeIdentifiers)
        {
            errors.Add(new RowError(line, "identifiers",
                $"no customer identifier; fill at least one of {string.Join(", ", IdentifierColumnsInFile())}"));
        }

        if (errors.Count > before)
        {
            return null;
        }

        var id = EventId(orderId, refunded);
        if (_firstLineById.TryGetValue(id, out var firstLine))
        {
            // Same order twice (often one row per line item): only one event per order id can be stored.
            errors.Add(new RowError(line, Label(OrderColumn.OrderId), $"order '{orderId}' ({(refunded ? "refunded" : "paid")}) already appears on line {firstLine}; only the first row is imported"));
            return null;
        }
        _firstLineById[id] = line;

        var properties = new JsonObject
        {
            ["order_id"] = orderId,
            ["amount"] = amount,
        };
        var category = Value(row, OrderColumn.Category);
        if (category.Length > 0)
        {
            properties["category"] = category;
        }
        properties["source_file"] = _sourceFile;

        var json = new JsonObject
        {
            ["id"] = id,
            ["type"] = refunded ? "order.refunded" : "order.paid",
            ["timestamp"] = FormatTimestamp(paidAt),
            ["identifiers"] = identifiers,
            ["properties"] = properties,
        };
        var name = Value(row, OrderColumn.Name);
        if (name.Length > 0)
        {
            json["attributes"] = new JsonObject { ["name"] = name };
        }
        return new OrderEvent(id, row, json);
    }

    private IEnumerable<string> IdentifierColumnsInFile()
    {
        foreach (var (column, _) in DirectIdentifiers)
        {
            if (Has(column))
            {
                yield return Label(column);
            }
        }
        if (Has(OrderColumn.Platform))
        {
            yield return $"{Label(OrderColumn.Platform)} + {Label(OrderColumn.BuyerId)}";
        }
    }

    private string Value(CsvRecord row, OrderColumn column) =>
        _index.TryGetValue(column, out var i) && i < row.Fields.Count ? row.Fields[i].Trim() : "";

    public static string FormatTimestamp(DateTimeOffset value) =>
        value.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture);

    /// <summary>
    /// ISO-8601 with an explicit offset or Z is taken as written; anything without an offset
    /// ("2026-11-25 10:00:00", "2026/11/25 9:05", "2026-11-25") is China time (+08:00).
    /// </summary>
    public static bool TryParsePaidAt(string text, out DateTimeOffset value)
    {
        text = text.Trim();
        if (ExplicitOffset().IsMatch(text))
        {
            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
        }
        if (DateTime.TryParseExact(text, LocalTimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            value = new DateTimeOffset(local, ShanghaiOffset);
            return true;
        }
        value = default;
        return false;
    }

    /// <summary>Plain decimals, optionally with a ¥/￥ sign and correctly placed thousands separators ("¥1,299.00").</summary>
    public static bool TryParseAmount(string text, out decimal value)
    {
        var s = text.Trim();
        var negative = false;
        if (s.StartsWith('-'))
        {
            negative = true;
            s = s[1..].TrimStart();
        }
        if (s.Length > 0 && (s[0] == '¥' || s[0] == '￥'))
        {
            s = s[1..].TrimStart();
        }
        if (s.StartsWith('-') && !negative)
        {
            negative = true;
            s = s[1..].TrimStart();
        }
        // Checking the grouping strictly keeps "1,29" (a decimal comma) from silently becoming 129.
        if (!AmountPattern().IsMatch(s) ||
            !decimal.TryParse(s.Replace(",", "", StringComparison.Ordinal), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value))
        {
            value = 0;
            return false;
        }
        value = negative ? -value : value;
        return true;
    }

    /// <summary>Empty means paid. Returns false for a status this import does not know.</summary>
    public static bool TryParseStatus(string text, out bool refunded)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "" or "paid" or "已支付" or "已付款":
                refunded = false;
                return true;
            case "refunded" or "已退款":
                refunded = true;
                return true;
            default:
                refunded = false;
                return false;
        }
    }

    [GeneratedRegex(@"(Z|[+-]\d{2}:?\d{2})$", RegexOptions.IgnoreCase)]
    private static partial Regex ExplicitOffset();

    [GeneratedRegex(@"^(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")]
    private static partial Regex AmountPattern();
}
