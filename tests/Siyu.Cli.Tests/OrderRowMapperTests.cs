using System.Text.Json.Nodes;
using Siyu.Cli.Import;

namespace Siyu.Cli.Tests;

public sealed class OrderRowMapperTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static (List<OrderEvent> Events, List<RowError> Errors) MapAll(string csv, string file = "orders.csv")
    {
        var records = CsvReader.Read(new StringReader(csv)).Where(r => !r.IsBlank).ToList();
        var mapper = OrderRowMapper.FromHeader(records[0].Fields, file);
        var events = new List<OrderEvent>();
        var errors = new List<RowError>();
        foreach (var row in records.Skip(1))
        {
            if (mapper.Map(row, Now, errors) is { } e)
            {
                events.Add(e);
            }
        }
        return (events, errors);
    }

    private static OrderEvent MapOne(string csv)
    {
        var (events, errors) = MapAll(csv);
        Assert.Empty(errors);
        return Assert.Single(events);
    }

    [Fact]
    public void A_row_becomes_an_order_paid_event_with_a_deterministic_id()
    {
        var e = MapOne("order_id,paid_at,amount,category,phone,name\nT-1001,2026-11-20 10:30:00,129.5,skincare,13800138000,Zhang San\n");

        Assert.Equal("import:orders:T-1001:paid", e.Id);
        var expected = JsonNode.Parse("""
            {
              "id": "import:orders:T-1001:paid",
              "type": "order.paid",
              "timestamp": "2026-11-20T10:30:00+08:00",
              "identifiers": { "phone": "13800138000" },
              "properties": { "order_id": "T-1001", "amount": 129.5, "category": "skincare", "source_file": "orders.csv" },
              "attributes": { "name": "Zhang San" }
            }
            """);
        Assert.True(JsonNode.DeepEquals(expected, e.Json), e.Json.ToJsonString());
    }

    [Fact]
    public void The_same_row_always_maps_to_the_same_id_so_reimports_are_duplicates()
    {
        const string csv = "order_id,paid_at,amount,phone\nT-1,2026-11-20 10:30:00,1,138\n";

        Assert.Equal(MapOne(csv).Json.ToJsonString(), MapOne(csv).Json.ToJsonString());
        Assert.Equal("import:orders:T-1:refunded", OrderRowMapper.EventId("T-1", refunded: true));
    }

    [Fact]
    public void Chinese_headers_and_values()
    {
        var e = MapOne("订单号,支付时间,实付金额,品类,状态,手机号,姓名\nD-9,2026/11/5 9:05,\"¥1,299.00\",护肤,已退款,13900000000,张三\n");

        Assert.Equal("import:orders:D-9:refunded", e.Id);
        Assert.Equal("order.refunded", (string?)e.Json["type"]);
        Assert.Equal("2026-11-05T09:05:00+08:00", (string?)e.Json["timestamp"]);
        Assert.Equal(1299.00m, (decimal)e.Json["properties"]!["amount"]!);
        Assert.Equal("护肤", (string?)e.Json["properties"]!["category"]);
        Assert.Equal("张三", (string?)e.Json["attributes"]!["name"]);
    }

    [Theory]
    [InlineData("Order ID,Paid At,AMOUNT,Phone")]
    [InlineData("order-id,paid-at,Amount,PHONE")]
    [InlineData(" 订单编号 , 付款时间 ,金额,手机号码")]
    public void Header_names_are_case_insensitive_and_trimmed(string header)
    {
        var e = MapOne($"{header}\nA,2026-11-20 10:00:00,3,138\n");

        Assert.Equal("import:orders:A:paid", e.Id);
    }

    [Theory]
    [InlineData("2026-11-20 10:30:00", "2026-11-20T10:30:00+08:00")]
    [InlineData("2026-11-20 10:30", "2026-11-20T10:30:00+08:00")]
    [InlineData("2026/11/20 8:05", "2026-11-20T08:05:00+08:00")]
    [InlineData("2026/1/2 23:59:59", "2026-01-02T23:59:59+08:00")]
    [InlineData("2026-11-20T10:30:00", "2026-11-20T10:30:00+08:00")]
    [InlineData("2026-11-20", "2026-11-20T00:00:00+08:00")]
    [InlineData("2026-11-20 10:30:00.250", "2026-11-20T10:30:00.25+08:00")]
    [InlineData("2026-11-20T02:30:00Z", "2026-11-20T02:30:00+00:00")]
    [InlineData("2026-11-20T10:30:00+08:00", "2026-11-20T10:30:00+08:00")]
    [InlineData("2026-11-19T21:30:00-05:00", "2026-11-19T21:30:00-05:00")]
    public void Times_without_an_offset_are_China_time(string text, string expected)
    {
        Assert.True(OrderRowMapper.TryParsePaidAt(text, out var value));
        Assert.Equal(expected, OrderRowMapper.FormatTimestamp(value));
    }

    [Fact]
    public void China_time_and_UTC_name_the_same_instant()
    {
        Assert.True(OrderRowMapper.TryParsePaidAt("2026-11-20 10:30:00", out var local));
        Assert.True(OrderRowMapper.TryParsePaidAt("2026-11-20T02:30:00Z", out var utc));

        Assert.Equal(utc.UtcDateTime, local.UtcDateTime);
        Assert.Equal(TimeSpan.FromHours(8), local.Offset);
    }

    [Theory]
    [InlineData("20/11/2026")]
    [InlineData("2026-13-01 10:00:00")]
    [InlineData("yesterday")]
    [InlineData("2026-11-20 25:00")]
    public void Unreadable_times_are_rejected(string text)
    {
        Assert.False(OrderRowMapper.TryParsePaidAt(text, out _));
    }

    [Theory]
    [InlineData("12.5", 12.5)]
    [InlineData("0", 0)]
    [InlineData("¥1,299.00", 1299.00)]
    [InlineData("￥ 88", 88)]
    [InlineData("1234567.891", 1234567.891)]
    [InlineData("-3", -3)]
    public void Amounts(string text, double expected)
    {
        Assert.True(OrderRowMapper.TryParseAmount(text, out var value));
        Assert.Equal((decimal)expected, value);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1,29")]
    [InlineData("12,34.5")]
    [InlineData("1.2.3")]
    [InlineData("¥")]
    [InlineData("1e5")]
    public void Amounts_that_are_not_numbers(string text)
    {
        Assert.False(OrderRowMapper.TryParseAmount(text, out _));
    }

    [Theory]
    [InlineData("", false)]
    [InlineData("paid", false)]
    [InlineData("PAID", false)]
    [InlineData("已支付", false)]
    [InlineData("refunded", true)]
    [InlineData("已退款", true)]
    public void Statuses(string text, bool refunded)
    {
        Assert.True(OrderRowMapper.TryParseStatus(text, out var value));
        Assert.Equal(refunded, value);
    }

    [Fact]
    public void Invalid_rows_are_reported_by_line_and_column_and_good_rows_still_map()
    {
        var (events, errors) = MapAll("""
            order_id,paid_at,amount,status,phone
            OK-1,2026-11-20 10:00:00,10,paid,138
            ,2026-11-20 10:00:00,10,paid,138
            BAD-AMOUNT,2026-11-20 10:00:00,abc,paid,138
            BAD-DATE,20/11/2026,10,paid,138
            NO-ID,2026-11-20 10:00:00,10,paid,
            BAD-STATUS,2026-11-20 10:00:00,10,shipped,138
            NEGATIVE,2026-11-20 10:00:00,-1,paid,138
            FUTURE,2027-01-01 00:00:00,1,paid,138
            OK-2,2026-11-21 10:00:00,20,refunded,139
            """);

        Assert.Equal(["import:orders:OK-1:paid", "import:orders:OK-2:refunded"], events.Select(e => e.Id));
        Assert.Equal(
            [
                "line 3, order_id: required",
                "line 4, amount: not a number ('abc')",
                "line 5, paid_at: not a date-time ('20/11/2026'); use e.g. 2026-11-25 10:00:00 (China time) or 2026-11-25T10:00:00+08:00",
                "line 6, identifiers: no customer identifier; fill at least one of phone",
                "line 7, status: unknown status 'shipped'; use paid/已支付 or refunded/已退款",
                "line 8, amount: must not be negative ('-1')",
                "line 9, paid_at: in the future ('2027-01-01 00:00:00')",
            ],
            errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Every_problem_of_a_row_is_reported()
    {
        var (_, errors) = MapAll("order_id,paid_at,amount,phone\n,never,abc,\n");

        Assert.Equal(["order_id", "paid_at", "amount", "identifiers"], errors.Select(e => e.Column));
        Assert.All(errors, e => Assert.Equal(2, e.Line));
    }

    [Fact]
    public void Errors_name_the_Chinese_column_as_written_in_the_file()
    {
        var (_, errors) = MapAll("订单号,支付时间,金额,手机号\nA1,2026-11-20 10:00:00,abc,138\n");

        Assert.Equal("line 2, amount (金额): not a number ('abc')", Assert.Single(errors).ToString());
    }

    [Fact]
    public void Line_numbers_count_physical_lines_including_quoted_newlines()
    {
        var (_, errors) = MapAll("order_id,paid_at,amount,category,phone\nA1,2026-11-20 10:00:00,1,\"two\nlines\",138\nA2,2026-11-20 10:00:00,x,,138\n");

        Assert.Equal(4, Assert.Single(errors).Line);
    }

    [Fact]
    public void The_same_order_twice_in_a_file_is_reported_instead_of_silently_deduplicated()
    {
        var (events, errors) = MapAll("order_id,paid_at,amount,status,phone\nA1,2026-11-20 10:00:00,1,paid,138\nA1,2026-11-20 10:00:00,1,refunded,138\nA1,2026-11-20 10:00:00,2,paid,138\n");

        Assert.Equal(2, events.Count);
        var error = Assert.Single(errors);
        Assert.Equal(4, error.Line);
        Assert.Contains("already appears on line 2", error.Message);
    }

    [Fact]
    public void All_identifier_columns_and_platform_plus_buyer_id()
    {
        var e = MapOne("order_id,paid_at,amount,phone,external_userid,unionid,email,平台,买家ID\nA,2026-11-20 10:00:00,1,138,wm_1,u_1,a@b.cn,Taobao,buyer123\n");

        var expected = JsonNode.Parse("""{"phone":"138","external_userid":"wm_1","unionid":"u_1","email":"a@b.cn","platform_id":"taobao:buyer123"}""");
        Assert.True(JsonNode.DeepEquals(expected, e.Json["identifiers"]), e.Json["identifiers"]!.ToJsonString());
        Assert.Null(e.Json["attributes"]);
    }

    [Fact]
    public void An_explicit_platform_id_wins_over_platform_and_buyer_id()
    {
        var e = MapOne("order_id,paid_at,amount,platform_id,platform,buyer_id\nA,2026-11-20 10:00:00,1,jd:x,taobao,y\n");

        Assert.Equal("jd:x", (string?)e.Json["identifiers"]!["platform_id"]);
    }

    [Fact]
    public void A_platform_without_buyer_id_is_a_row_error()
    {
        var (_, errors) = MapAll("order_id,paid_at,amount,platform,buyer_id\nA,2026-11-20 10:00:00,1,taobao,\n");

        Assert.Equal("line 2, buyer_id: required when platform is given ('taobao')", Assert.Single(errors).ToString());
    }

    [Fact]
    public void Missing_values_of_optional_columns_are_left_out_and_status_defaults_to_paid()
    {
        var e = MapOne("order_id,paid_at,amount,category,status,phone,name\nA,2026-11-20 10:00:00,1,,,138,\n");

        Assert.Equal("order.paid", (string?)e.Json["type"]);
        Assert.False(e.Json["properties"]!.AsObject().ContainsKey("category"));
        Assert.False(e.Json.ContainsKey("attributes"));
    }

    [Fact]
    public void A_row_with_extra_non_empty_fields_is_an_error_but_trailing_empty_fields_are_fine()
    {
        var (events, errors) = MapAll("order_id,paid_at,amount,phone\nA,2026-11-20 10:00:00,1,138,,\nB,2026-11-20 10:00:00,1,299,138\n");

        Assert.Single(events);
        Assert.Equal("row", Assert.Single(errors).Column);
        Assert.Equal(3, errors[0].Line);
    }

    [Fact]
    public void Order_ids_that_would_make_the_event_id_too_long_are_rejected()
    {
        var (_, errors) = MapAll($"order_id,paid_at,amount,phone\n{new string('x', OrderRowMapper.MaxOrderIdLength + 1)},2026-11-20 10:00:00,1,138\n");

        Assert.Contains("too long", Assert.Single(errors).Message);
        Assert.True(OrderRowMapper.EventId(new string('x', OrderRowMapper.MaxOrderIdLength), refunded: true).Length <= 128);
    }

    [Theory]
    [InlineData("paid_at,amount,phone", "order_id")]
    [InlineData("order_id,amount,phone", "paid_at")]
    [InlineData("order_id,paid_at,phone", "amount")]
    [InlineData("order_id,paid_at,amount,category", "identifier")]
    [InlineData("order_id,paid_at,amount,金额,phone", "both mean amount")]
    [InlineData("order_id,paid_at,amount,platform", "buyer_id")]
    [InlineData("x,y,z", "header row is required")]
    public void Unusable_headers_are_refused_before_anything_is_sent(string header, string expected)
    {
        var error = Assert.Throws<HeaderException>(() => OrderRowMapper.FromHeader(header.Split(','), "f.csv"));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Unknown_columns_are_listed_but_the_error_column_of_an_errors_file_is_not()
    {
        var mapper = OrderRowMapper.FromHeader(["order_id", "paid_at", "amount", "phone", "备注", "error"], "f.csv");

        Assert.Equal(["备注"], mapper.IgnoredColumns);
    }

    [Theory]
    [InlineData("properties.amount", "amount (实付金额)")]
    [InlineData("timestamp", "paid_at")]
    [InlineData("identifiers.phone", "phone (手机号)")]
    [InlineData("identifiers.platform_id", "platform + buyer_id")]
    [InlineData("type", "status")]
    [InlineData("customer_id", "customer_id")]
    [InlineData("", "row")]
    public void Server_error_paths_map_back_to_columns(string path, string expected)
    {
        var mapper = OrderRowMapper.FromHeader(["order_id", "paid_at", "实付金额", "status", "手机号", "platform", "buyer_id"], "f.csv");

        Assert.Equal(expected, mapper.LabelForEventPath(path));
    }
}
