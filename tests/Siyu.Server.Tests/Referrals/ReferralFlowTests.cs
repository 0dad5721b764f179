using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;
using Siyu.Server.Tests.Audiences;

namespace Siyu.Server.Tests.Referrals;

/// <summary>
/// Referral campaigns (任务宝) end to end through the simulator over real HTTP both ways: the inviter joins and gets a
/// personal contact way and poster, friends scan it in the simulated corp, its callbacks come back to Siyu, and the
/// invites are counted, capped, refused, revoked and rewarded. The clock (Siyu's and the simulator's) is movable, so
/// "the next day" is a real next day for the daily cap.
/// </summary>
public sealed class ReferralFlowTests : IAsyncLifetime
{
    // 10:00 on 1 Dec in Shanghai (the tenant's zone) is 02:00 UTC.
    private readonly MovableTime _time = new(new DateTimeOffset(2026, 12, 1, 2, 0, 0, TimeSpan.Zero));
    private readonly SiyuFactory _factory;
    private HttpClient _admin = null!;
    private HttpClient _sim = null!;
    private HttpClient _api = null!;
    private Uri _base = null!;

    public ReferralFlowTests()
    {
        _factory = new SiyuFactory(demo: true, time: _time);
        // Kestrel, not the test server: the simulator calls back over real HTTP.
        _factory.UseKestrel(0);
    }

    public async Task InitializeAsync()
    {
        _factory.StartServer();
        var address = _factory.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First();
        _base = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)
            .Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
        _admin = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = _base };
        var login = await _admin.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["tenant"] = "demo", ["username"] = "admin", ["password"] = SiyuFactory.AdminPassword, ["returnUrl"] = "/",
        }));
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        _api = new HttpClient { BaseAddress = _base };
        _api.DefaultRequestHeaders.Add("X-Api-Key", SiyuFactory.ApiKey);
        _sim = await ServerProcess.SimulatorClientAsync(_admin);
    }

    public async Task DisposeAsync()
    {
        _sim.Dispose();
        _api.Dispose();
        _admin.Dispose();
        await _factory.DisposeAsync();
        try
        {
            Directory.Delete(_factory.DataDirectory, true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<JsonNode> PostAsync(string url, object body, HttpStatusCode expected)
    {
        var response = await _admin.PostAsJsonAsync(url, body);
        Assert.True(response.StatusCode == expected, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.ReadAsync();
    }

    /// <summary>A friend scans <paramref name="state"/>'s code (adding zhangmin); answers their external_userid.</summary>
    private async Task<string> ScanAsync(string name, string? state, string? externalUserId = null)
    {
        var scan = await _sim.PostAsJsonAsync("/sim/contacts/add", new { userid = "zhangmin", name, state, external_userid = externalUserId });
        Assert.Equal(HttpStatusCode.OK, scan.StatusCode);
        return (await scan.ReadAsync())["external_userid"]!.GetValue<string>();
    }

    private async Task<long> CustomerAsync(string externalUserId)
    {
        var found = await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/customers?q={externalUserId}"), p => p["items"]!.AsArray().Count == 1);
        return found["items"]![0]!["id"]!.GetValue<long>();
    }

    private Task<JsonNode> InvitesAsync(long campaign, int count) =>
        Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/referrals/campaigns/{campaign}/invites?limit=500"), i => i["items"]!.AsArray().Count == count);

    private static string ReasonOf(JsonNode invites, long invitee) =>
        invites["items"]!.AsArray().Single(i => i!["invitee_id"]!.GetValue<long>() == invitee)!["reason"]!.GetValue<string>();

    [Fact]
    public async Task Invites_count_new_friends_within_caps_refuse_fraud_revoke_on_delete_and_reward_each_tier_once()
    {
        var channel = await PostAsync("/api/v1/wecom/channels", new { name = "任务宝渠道", staff = new object[] { new { userid = "zhangmin", daily_cap = 0 } } }, HttpStatusCode.Created);
        var template = await PostAsync("/api/v1/coupon-templates", new
        {
            name = "课程8折券", kind = "amount_off", face_value = 20m, min_spend = 100m, valid_days = 7, total_stock = 10, per_customer_limit = 1,
        }, HttpStatusCode.Created);
        var campaign = await PostAsync("/api/v1/referrals/campaigns", new
        {
            name = "邀3位好友解锁课程折扣", channel_code_id = channel["id"]!.GetValue<long>(), poster_title = "好友助力 免费领课", poster_color = "#1565C0",
            daily_cap = 5, revoke_within_days = 7,
            tiers = new object[]
            {
                new { invites = 1, kind = "coupon", coupon_template_id = template["id"]!.GetValue<long>() },
                new { invites = 3, kind = "points", points = 100 },
                new { invites = 6, kind = "message", text = "恭喜！你已邀请 6 位好友，课程折扣已解锁。" },
            },
        }, HttpStatusCode.Created);
        var campaignId = campaign["id"]!.GetValue<long>();

        // The inviter is a customer of zhangmin's, and has a phone on file.
        var inviterExt = await ScanAsync("小明", null);
        var inviter = await CustomerAsync(inviterExt);
        var phone = await _api.PostEventsAsync(new
        {
            id = "inviter-phone", type = "profile.updated", timestamp = _time.Now.ToString("O"),
            identifiers = new { external_userid = inviterExt, phone = "13761234509" },
        });
        Assert.True(phone.IsSuccessStatusCode, await phone.Content.ReadAsStringAsync());

        // Joining answers a personal code; joining again answers the same one.
        var joined = await PostAsync($"/api/v1/referrals/campaigns/{campaignId}/join", new { customer_id = inviter }, HttpStatusCode.Created);
        var state = joined["state"]!.GetValue<string>();
        Assert.StartsWith("rf_", state, StringComparison.Ordinal);
        Assert.True(state.Length <= 30);
        var again = await PostAsync($"/api/v1/referrals/campaigns/{campaignId}/join", new { customer_id = inviter }, HttpStatusCode.OK);
        Assert.Equal(joined["id"]!.GetValue<long>(), again["id"]!.GetValue<long>());

        // The poster carries the inviter's own contact way: decode its QR code.
        var poster = await _admin.GetAsync(joined["poster_url"]!.GetValue<string>());
        Assert.Equal("image/png", poster.Content.Headers.ContentType?.MediaType);
        var png = await poster.Content.ReadAsByteArrayAsync();
        Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "siyu-screenshots"));
        await File.WriteAllBytesAsync(Path.Combine(Path.GetTempPath(), "siyu-screenshots", "referral-poster.png"), png);
        var text = DecodeQr(png);
        Assert.Equal(Siyu.WeComSimulator.State.SimulatedCorp.ContactWayLink(joined["config_id"]!.GetValue<string>()), text);

        // Day 1: five new friends count, the sixth is over the daily cap of 5.
        var friends = new List<long>();
        var friendExts = new List<string>();
        for (var i = 1; i <= 6; i++)
        {
            friendExts.Add(await ScanAsync($"好友{i}", state));
            friends.Add(await CustomerAsync(friendExts[^1]));
            await InvitesAsync(campaignId, i);
        }
        var invites = await InvitesAsync(campaignId, 6);
        Assert.Equal(5, invites["items"]!.AsArray().Count(i => i!["status"]!.GetValue<string>() == "counted"));
        Assert.Equal("daily_cap", ReasonOf(invites, friends[5]));

        // An existing customer of the corp scanning the code does not count.
        var oldExt = await ScanAsync("老客户", null);
        var old = await CustomerAsync(oldExt);
        var oldAgain = await _sim.PostAsJsonAsync("/sim/contacts/add", new { userid = "wangfang", name = "老客户", state, external_userid = oldExt });
        Assert.Equal(HttpStatusCode.OK, oldAgain.StatusCode);
        invites = await InvitesAsync(campaignId, 7);
        Assert.Equal("existing_customer", ReasonOf(invites, old));

        // A second WeChat account with the inviter's phone (One ID keeps them apart as a conflict) does not count.
        var fraudExt = "wmFraudAccount0000000000000001";
        // The second account visits the H5 page, then submits the inviter's phone on its form.
        foreach (var (id, identifiers) in new (string, object)[] { ("fraud-view", new { external_userid = fraudExt }), ("fraud-form", new { external_userid = fraudExt, phone = "13761234509" }) })
        {
            var fraudData = await _api.PostEventsAsync(new { id, type = "page.viewed", timestamp = _time.Now.ToString("O"), identifiers });
            Assert.True(fraudData.IsSuccessStatusCode, await fraudData.Content.ReadAsStringAsync());
        }
        await ScanAsync("小号", state, fraudExt);
        var fraud = await CustomerAsync(fraudExt);
        Assert.NotEqual(inviter, fraud);
        invites = await InvitesAsync(campaignId, 8);
        Assert.Equal("same_identity_as_inviter", ReasonOf(invites, fraud));

        // Tiers 1 (1 invite → coupon) and 2 (3 → 100 points) were granted once each; tier 3 (6) not yet.
        var rewards = await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/referrals/campaigns/{campaignId}/rewards"),
            r => r["items"]!.AsArray().Count(x => x!["status"]!.GetValue<string>() == "delivered") == 2);
        Assert.Equal([0, 1], rewards["items"]!.AsArray().Select(r => r!["tier"]!.GetValue<int>()).Order());
        var couponCode = rewards["items"]!.AsArray().Single(r => r!["tier"]!.GetValue<int>() == 0)!["ref"]!.GetValue<string>();
        var coupons = (await _admin.GetJsonOrNull($"/api/v1/customers/{inviter}/coupons"))!.ToJsonString();
        Assert.Contains(couponCode, coupons, StringComparison.Ordinal);
        Assert.Equal(100, (await _admin.GetJsonOrNull($"/api/v1/customers/{inviter}/points"))!["balance"]!.GetValue<long>());

        // Day 2: the cap starts again; a seventh friend counts and reaches tier 3 (a message through the delivery pipeline).
        _time.Now = _time.Now.AddDays(1);
        var seventh = await CustomerAsync(await ScanAsync("好友7", state));
        invites = await InvitesAsync(campaignId, 9);
        Assert.Equal("counted", ReasonOf(invites, seventh));
        rewards = await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/referrals/campaigns/{campaignId}/rewards"),
            r => r["items"]!.AsArray().Count == 3 && r["items"]!.AsArray().All(x => x!["status"]!.GetValue<string>() == "delivered"));
        var message = rewards["items"]!.AsArray().Single(r => r!["tier"]!.GetValue<int>() == 2)!;
        Assert.StartsWith("outbound:", message["ref"]!.GetValue<string>(), StringComparison.Ordinal);
        var outbound = await _admin.GetJsonOrNull($"/api/v1/delivery/messages/{message["ref"]!.GetValue<string>()["outbound:".Length..]}");
        Assert.Equal(inviter, outbound!["customer_id"]!.GetValue<long>());

        // Friend 2 deletes zhangmin a day after the add (inside the 7-day window): revoked; 6 valid → 5.
        var delete = await _sim.PostAsJsonAsync("/sim/contacts/delete", new { userid = "zhangmin", external_userid = friendExts[1], by = "customer" });
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        invites = await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/referrals/campaigns/{campaignId}/invites?status=revoked"), i => i["items"]!.AsArray().Count == 1);
        Assert.Equal(friends[1], invites["items"]![0]!["invitee_id"]!.GetValue<long>());
        Assert.Equal("deleted_within_window", invites["items"]![0]!["reason"]!.GetValue<string>());

        // An eighth friend brings the inviter back to 6: tier 3 is not granted a second time.
        await CustomerAsync(await ScanAsync("好友8", state));
        await InvitesAsync(campaignId, 10);
        var board = await _admin.GetJsonOrNull($"/api/v1/referrals/campaigns/{campaignId}/leaderboard");
        Assert.Equal(6, board!["items"]![0]!["valid_invites"]!.GetValue<int>());
        Assert.Equal(inviter, board["items"]![0]!["customer_id"]!.GetValue<long>());

        // A retried add callback (same key) changes nothing.
        var service = _factory.Services.GetRequiredService<Siyu.Server.Referrals.ReferralService>();
        var dbs = _factory.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<Siyu.Server.Data.SiyuDb>>();
        await using (var db = await dbs.CreateDbContextAsync())
        {
            var row = db.ReferralInvites.Single(i => i.InviteeId == seventh);
            await service.OnAddedAsync(row.TenantId, state, row.EventKey, seventh, long.MaxValue, "zhangmin", new DateTimeOffset(row.AddedAtTicks, TimeSpan.Zero));
        }
        var view = await _admin.GetJsonOrNull($"/api/v1/referrals/campaigns/{campaignId}");
        Assert.Equal(6, view!["counted"]!.GetValue<int>());
        Assert.Equal(1, view["revoked"]!.GetValue<int>());
        Assert.Equal(3, view["not_counted"]!.GetValue<int>());
        rewards = await _admin.GetJsonOrNull($"/api/v1/referrals/campaigns/{campaignId}/rewards");
        Assert.Equal(3, rewards!["items"]!.AsArray().Count);
        Assert.Equal(100, (await _admin.GetJsonOrNull($"/api/v1/customers/{inviter}/points"))!["balance"]!.GetValue<long>());

        // The inviter's history has the invites, the revoke and the three rewards.
        var timeline = await _admin.GetJsonOrNull($"/api/v1/customers/{inviter}/events?limit=100");
        var types = timeline!.AsArray().Select(e => e!["type"]!.GetValue<string>()).ToList();
        Assert.Equal(10, types.Count(t => t == "referral.invited"));
        Assert.Equal(1, types.Count(t => t == "referral.revoked"));
        Assert.Equal(3, types.Count(t => t == "referral.reward_granted"));
    }

    [Fact]
    public async Task Bursts_and_rapid_add_deletes_stop_counting_and_a_paused_campaign_counts_nothing()
    {
        var channel = await PostAsync("/api/v1/wecom/channels", new { name = "风控渠道", staff = new object[] { new { userid = "zhangmin", daily_cap = 0 } } }, HttpStatusCode.Created);
        var channelId = channel["id"]!.GetValue<long>();

        // Mistakes are named at their field.
        var bad = await _admin.PostAsJsonAsync("/api/v1/referrals/campaigns", new { name = "x", channel_code_id = 999999, tiers = Array.Empty<object>(), poster_color = "red" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadAsStringAsync();
        Assert.Contains("\"tiers\"", problem, StringComparison.Ordinal);
        Assert.Contains("\"poster_color\"", problem, StringComparison.Ordinal);
        var unknown = await _admin.PostAsJsonAsync("/api/v1/referrals/campaigns", new { name = "x", channel_code_id = 999999, tiers = new object[] { new { invites = 1, kind = "points", points = 1 } } });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("channel_code_id", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var campaign = await PostAsync("/api/v1/referrals/campaigns", new
        {
            name = "风控测试", channel_code_id = channelId, daily_cap = 0, burst_limit = 3, burst_minutes = 10, rapid_delete_minutes = 30, block_after_rapid_deletes = 2,
            tiers = new object[] { new { invites = 10, kind = "points", points = 10 } },
        }, HttpStatusCode.Created);
        var id = campaign["id"]!.GetValue<long>();
        var inviter = await CustomerAsync(await ScanAsync("邀请人", null));
        var state = (await PostAsync($"/api/v1/referrals/campaigns/{id}/join", new { customer_id = inviter }, HttpStatusCode.Created))["state"]!.GetValue<string>();
        var start = _time.Now;

        // Three adds within ten minutes count; the fourth is a burst. Twenty minutes later adds count again.
        var exts = new List<string>();
        var ids = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            _time.Now = start.AddMinutes(i < 4 ? i : 20);
            exts.Add(await ScanAsync($"朋友{i}", state));
            ids.Add(await CustomerAsync(exts[^1]));
            await InvitesAsync(id, i + 1);
        }
        var invites = await InvitesAsync(id, 5);
        Assert.Equal(["counted", "counted", "counted", "burst", "counted"], ids.Select(x => ReasonOf(invites, x)));

        // Two friends delete within 30 minutes of their add: both revoked, and the inviter is blocked.
        _time.Now = start.AddMinutes(25);
        foreach (var ext in new[] { exts[2], exts[4] })
        {
            var delete = await _sim.PostAsJsonAsync("/sim/contacts/delete", new { userid = "zhangmin", external_userid = ext, by = "customer" });
            Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        }
        await Json.EventuallyAsync(() => _admin.GetJsonOrNull($"/api/v1/referrals/campaigns/{id}/participants"),
            p => p["items"]![0]!["blocked"]!.GetValue<bool>() && p["items"]![0]!["rapid_deletes"]!.GetValue<int>() == 2);
        _time.Now = start.AddMinutes(40);
        var late = await CustomerAsync(await ScanAsync("朋友5", state));
        invites = await InvitesAsync(id, 6);
        Assert.Equal("inviter_blocked", ReasonOf(invites, late));
        var view = await _admin.GetJsonOrNull($"/api/v1/referrals/campaigns/{id}");
        Assert.Equal(2, view!["counted"]!.GetValue<int>());
        Assert.Equal(2, view["revoked"]!.GetValue<int>());

        // Paused: adds through the code are recorded as not counted, and nobody new can join.
        var pause = await _admin.PatchAsJsonAsync($"/api/v1/referrals/campaigns/{id}", new { status = "paused" });
        Assert.Equal(HttpStatusCode.OK, pause.StatusCode);
        var paused = await CustomerAsync(await ScanAsync("朋友6", state));
        invites = await InvitesAsync(id, 7);
        Assert.Equal("campaign_inactive", ReasonOf(invites, paused));
        var other = await CustomerAsync(await ScanAsync("另一位", null));
        var refused = await _admin.PostAsJsonAsync($"/api/v1/referrals/campaigns/{id}/join", new { customer_id = other });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("not_active", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var end = await _admin.PatchAsJsonAsync($"/api/v1/referrals/campaigns/{id}", new { status = "ended" });
        Assert.Equal(HttpStatusCode.OK, end.StatusCode);
        var reopen = await _admin.PatchAsJsonAsync($"/api/v1/referrals/campaigns/{id}", new { status = "active" });
        Assert.Equal(HttpStatusCode.Conflict, reopen.StatusCode);
    }

    /// <summary>The QR code's text in a PNG (ZXing over the decoded pixels).</summary>
    internal static string? DecodeQr(byte[] png)
    {
        using var bitmap = SKBitmap.Decode(png);
        var pixels = new byte[bitmap.Width * bitmap.Height * 4];
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var x = 0; x < bitmap.Width; x++)
            {
                var c = bitmap.GetPixel(x, y);
                var at = (y * bitmap.Width + x) * 4;
                (pixels[at], pixels[at + 1], pixels[at + 2], pixels[at + 3]) = (c.Red, c.Green, c.Blue, c.Alpha);
            }
        }
        var source = new ZXing.RGBLuminanceSource(pixels, bitmap.Width, bitmap.Height, ZXing.RGBLuminanceSource.BitmapFormat.RGBA32);
        var reader = new ZXing.QrCode.QRCodeReader();
        var result = reader.decode(new ZXing.BinaryBitmap(new ZXing.Common.HybridBinarizer(source)),
            new Dictionary<ZXing.DecodeHintType, object> { [ZXing.DecodeHintType.TRY_HARDER] = true });
        return result?.Text;
    }
}
