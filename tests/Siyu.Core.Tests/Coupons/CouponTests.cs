using Siyu.Core.Coupons;
using Xunit;

namespace Siyu.Core.Tests.Coupons;

/// <summary>Codes, template validation, the redemption rules and discounts against hand-computed examples.</summary>
public sealed class CouponTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 2, 0, 0, TimeSpan.Zero);

    private static CouponTemplateSpec Template(string kind = CouponKinds.AmountOff, long face = 2000, int percent = 0, long? max = null, long minSpend = 0,
        string[]? categories = null, string[]? stores = null, int? validDays = 30, DateTimeOffset? from = null, DateTimeOffset? until = null, string? gift = null) =>
        new("满100减20", kind, face, percent, max, gift, minSpend, from, until, validDays, 100, 1, null, categories ?? [], stores ?? []);

    [Theory]
    // By hand over GF(32) with x^5+x^2+1: "3" is 1, 2·1 = 2 → '4'; "34": 2·1 xor 2 = 0 → check 0 → '2';
    // "Z" is 31, 2·31 = 62 → 62 xor 37 = 27 → 'V'.
    [InlineData("3", '4')]
    [InlineData("34", '2')]
    [InlineData("Z", 'V')]
    [InlineData("2", '2')]
    public void Check_character_matches_hand_computation(string body, char expected) => Assert.Equal(expected, CouponCodes.CheckCharacter(body));

    [Fact]
    public void Generated_codes_are_well_formed_unambiguous_and_distinct()
    {
        var codes = Enumerable.Range(0, 5000).Select(_ => CouponCodes.Generate()).ToList();
        Assert.All(codes, c =>
        {
            Assert.Equal(CouponCodes.Length, c.Length);
            Assert.True(CouponCodes.IsWellFormed(c));
            Assert.DoesNotContain(c, ch => ch is '0' or 'O' or '1' or 'I');
        });
        Assert.Equal(codes.Count, codes.Distinct().Count());
    }

    [Fact]
    public void Every_single_substitution_and_adjacent_transposition_is_detected()
    {
        var random = new Random(20261202);
        for (var n = 0; n < 2000; n++)
        {
            var body = new string([.. Enumerable.Range(0, CouponCodes.RandomLength).Select(_ => CouponCodes.Alphabet[random.Next(CouponCodes.Alphabet.Length)])]);
            var code = body + CouponCodes.CheckCharacter(body);
            Assert.True(CouponCodes.IsWellFormed(code));
            for (var i = 0; i < code.Length; i++)
            {
                foreach (var other in CouponCodes.Alphabet.Where(c => c != code[i]))
                {
                    var typo = code[..i] + other + code[(i + 1)..];
                    Assert.False(CouponCodes.IsWellFormed(typo), $"{code} → {typo}");
                }
                if (i + 1 < code.Length && code[i] != code[i + 1])
                {
                    var swapped = code[..i] + code[i + 1] + code[i] + code[(i + 2)..];
                    Assert.False(CouponCodes.IsWellFormed(swapped), $"{code} → {swapped}");
                }
            }
        }
    }

    [Fact]
    public void The_readme_example_is_a_valid_code() => Assert.True(CouponCodes.IsWellFormed(CouponCodes.Normalize("7kq9-mx4p-2hn")));

    [Theory]
    [InlineData("abcd-efgh-jk", "ABCDEFGHJK")]
    [InlineData(" 23 45 ", "2345")]
    public void Normalize_uppercases_and_drops_separators(string input, string expected) => Assert.Equal(expected, CouponCodes.Normalize(input));

    [Theory]
    [InlineData("", false)]
    [InlineData("23456789AB", false)] // one short
    [InlineData("0000000000A", false)] // 0 is not in the alphabet
    public void Malformed_codes_are_refused(string code, bool ok) => Assert.Equal(ok, CouponCodes.IsWellFormed(code));

    [Theory]
    // 15% off 99.99: 9999 × 0.15 = 1499.85 fen → 1500 (half up).
    [InlineData(CouponKinds.PercentOff, 0, 15, null, 9999, 1500)]
    // 50% off 0.01: 0.5 fen → 1.
    [InlineData(CouponKinds.PercentOff, 0, 50, null, 1, 1)]
    // 12% off 0.01: 0.12 fen → 0.
    [InlineData(CouponKinds.PercentOff, 0, 12, null, 1, 0)]
    // 20% off 200.00 = 40.00, capped at 30.00.
    [InlineData(CouponKinds.PercentOff, 0, 20, 3000L, 20000, 3000)]
    // 20.00 off a 15.00 order: never more than the order.
    [InlineData(CouponKinds.AmountOff, 2000, 0, null, 1500, 1500)]
    [InlineData(CouponKinds.AmountOff, 2000, 0, null, 12800, 2000)]
    [InlineData(CouponKinds.Gift, 0, 0, null, 12800, 0)]
    public void Discount_rounds_to_the_fen(string kind, long face, int percent, long? max, long amount, long expected) =>
        Assert.Equal(expected, Template(kind, face, percent, max, gift: "帆布袋").DiscountFen(amount));

    [Fact]
    public void Validation_names_the_field()
    {
        Assert.Empty(Template().Validate());
        Assert.Contains(Template(face: 0).Validate(), e => e.Path == "face_value");
        Assert.Contains(Template(CouponKinds.PercentOff, percent: 100).Validate(), e => e.Path == "percent_off");
        Assert.Contains(Template(CouponKinds.Gift).Validate(), e => e.Path == "gift_name");
        Assert.Contains(Template(kind: "cash").Validate(), e => e.Path == "kind");
        Assert.Contains(Template(validDays: null).Validate(), e => e.Path == "valid_days");
        Assert.Contains(Template(validDays: 5, from: T0, until: T0.AddDays(1)).Validate(), e => e.Path == "valid_days");
        Assert.Contains(Template(validDays: null, from: T0, until: T0).Validate(), e => e.Path == "valid_until");
        Assert.Contains(Template(face: 5000, minSpend: 3000).Validate(), e => e.Path == "face_value");
        Assert.Contains(Template(categories: [" "]).Validate(), e => e.Path == "categories[0]");
        Assert.Contains((Template() with { TotalStock = 0 }).Validate(), e => e.Path == "total_stock");
    }

    [Fact]
    public void Validity_window_is_fixed_or_relative_to_issue()
    {
        Assert.Equal((T0, T0.AddDays(30)), Template().WindowFor(T0));
        var from = new DateTimeOffset(2026, 12, 10, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal((from, from.AddDays(3)), Template(validDays: null, from: from, until: from.AddDays(3)).WindowFor(T0));
    }

    [Fact]
    public void Rules_refuse_in_order_and_accept_a_fitting_order()
    {
        var template = Template(minSpend: 10000, categories: ["food"], stores: ["SH01"]);
        var coupon = new CouponState(CouponStatus.Issued, 7, T0, T0.AddDays(30));
        var ok = new RedemptionAttempt(10000, T0.AddDays(1), 7, "SH01", ["food", "drink"]);
        Assert.Null(CouponRules.Check(template, coupon, ok));
        Assert.Null(CouponRules.Check(template, coupon, ok with { CustomerId = null }));
        Assert.Equal("already_redeemed", CouponRules.Check(template, coupon with { Status = CouponStatus.Redeemed }, ok)?.Reason);
        Assert.Equal("revoked", CouponRules.Check(template, coupon with { Status = CouponStatus.Revoked }, ok)?.Reason);
        Assert.Equal("expired", CouponRules.Check(template, coupon with { Status = CouponStatus.Expired }, ok)?.Reason);
        Assert.Equal("not_yet_valid", CouponRules.Check(template, coupon, ok with { At = T0.AddSeconds(-1) })?.Reason);
        // The window is half-open: valid until the instant, not at it.
        Assert.Equal("expired", CouponRules.Check(template, coupon, ok with { At = T0.AddDays(30) })?.Reason);
        Assert.Null(CouponRules.Check(template, coupon, ok with { At = T0.AddDays(30).AddTicks(-1) }));
        var wrong = CouponRules.Check(template, coupon, ok with { CustomerId = 8 });
        Assert.Equal(("wrong_customer", "customer_id"), (wrong?.Reason, wrong?.Field));
        Assert.Equal("store_not_applicable", CouponRules.Check(template, coupon, ok with { StoreId = "BJ01" })?.Reason);
        Assert.Equal("store_not_applicable", CouponRules.Check(template, coupon, ok with { StoreId = null })?.Reason);
        Assert.Equal("category_not_applicable", CouponRules.Check(template, coupon, ok with { Categories = ["drink"] })?.Reason);
        var below = CouponRules.Check(template, coupon, ok with { AmountFen = 9999 });
        Assert.Equal(("min_spend", "amount"), (below?.Reason, below?.Field));
        // Without restrictions any store and category will do.
        Assert.Null(CouponRules.Check(Template(), coupon, new RedemptionAttempt(1, T0, null, null, [])));
    }
}
