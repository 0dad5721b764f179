using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Siyu.WeCom.Api;
using Siyu.WeCom.Callbacks;
using Siyu.WeComSimulator;

namespace Siyu.WeCom.Tests.Simulator;

/// <summary>The simulator's callbacks reach a real HTTP receiver and decrypt with WeComCallbackCrypto.</summary>
public sealed class SimulatorCallbackTests
{
    [Fact]
    public async Task Added_contact_posts_an_encrypted_add_external_contact_callback_that_decrypts_and_parses()
    {
        await using var receiver = await CallbackReceiver.StartAsync(SimulatorOptions.DefaultToken, SimulatorOptions.DefaultEncodingAesKey, SimulatorOptions.DefaultCorpId);
        await using var sim = await SimulatorHost.StartAsync(o => o.CallbackUrl = receiver.Url);

        var response = await sim.Http().PostAsJsonAsync("sim/contacts/add", new { userid = "zhangmin", name = "王小美", state = "store_sh01" });
        response.EnsureSuccessStatusCode();
        var added = await response.Content.ReadFromJsonAsync<JsonElement>();

        var received = Assert.Single(receiver.Events);
        var contact = Assert.IsType<ExternalContactChanged>(received);
        Assert.Equal(ExternalContactChangeType.AddExternalContact, contact.ChangeType);
        Assert.Equal("zhangmin", contact.UserId);
        Assert.Equal(added.GetProperty("external_userid").GetString(), contact.ExternalUserId);
        Assert.Equal("store_sh01", contact.State);
        Assert.Equal(added.GetProperty("welcome_code").GetString(), contact.WelcomeCode);
        Assert.Equal(SimulatorOptions.DefaultCorpId, contact.Envelope.CorpId);
        Assert.True(added.GetProperty("callback").GetProperty("delivered").GetBoolean());

        // The new customer is visible through the API like any other.
        var detail = await sim.Client().GetExternalContactAsync(contact.ExternalUserId!);
        Assert.Equal("王小美", detail.ExternalContact.Name);
        Assert.Equal("store_sh01", detail.FollowUser.Single().State);
    }

    [Fact]
    public async Task Callback_to_a_receiver_with_another_key_fails_to_decrypt()
    {
        await using var receiver = await CallbackReceiver.StartAsync("OtherToken", SimulatorOptions.DefaultEncodingAesKey, SimulatorOptions.DefaultCorpId);
        await using var sim = await SimulatorHost.StartAsync(o => o.CallbackUrl = receiver.Url);

        var added = await sim.Control.AddContactAsync("zhangmin", "李雷");

        Assert.NotNull(added);
        Assert.False(added.Callback!.Delivered);
        Assert.Equal(403, added.Callback.StatusCode);
        Assert.Equal(WeComCallbackError.BadSignature, Assert.Single(receiver.Rejections));
    }

    [Fact]
    public async Task Welcome_code_works_once_then_answers_41051()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();
        var added = await sim.Control.AddContactAsync("zhangmin", "韩梅梅", "live_0618");

        await client.SendWelcomeMessageAsync(new WeComWelcomeMessage
        {
            WelcomeCode = added!.WelcomeCode,
            Text = new WeComText { Content = "您好，我是导购张敏" },
            Attachments = [new WeComAttachment { MsgType = "link", Link = new WeComLink { Title = "新客礼", Url = "https://example.com/gift" } }],
        });
        var reused = await Assert.ThrowsAsync<WeComApiException>(() =>
            client.SendWelcomeMessageAsync(new WeComWelcomeMessage { WelcomeCode = added.WelcomeCode, Text = new WeComText { Content = "again" } }));

        Assert.Equal(WeComErrorCodes.WelcomeCodeUsed, reused.ErrCode);
        var welcome = Assert.Single(sim.Corp.Messages, m => m.Kind == "welcome");
        Assert.Equal("您好，我是导购张敏", welcome.Text);
        Assert.Equal(added.ExternalUserId, Assert.Single(welcome.Recipients));
        Assert.Equal("zhangmin", welcome.Sender);
    }

    [Fact]
    public async Task Welcome_code_expires_after_20_seconds()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 11, 25, 10, 0, 0, TimeSpan.Zero));
        await using var sim = await SimulatorHost.StartAsync(o => o.TimeProvider = time);
        var client = sim.Client(new WeComTokenCache(time));
        var added = await sim.Control.AddContactAsync("lihua", "周杰");

        time.Advance(TimeSpan.FromSeconds(21));
        var expired = await Assert.ThrowsAsync<WeComApiException>(() =>
            client.SendWelcomeMessageAsync(new WeComWelcomeMessage { WelcomeCode = added!.WelcomeCode, Text = new WeComText { Content = "hi" } }));

        Assert.Equal(WeComErrorCodes.WelcomeCodeUsed, expired.ErrCode);
        Assert.Empty(sim.Corp.Messages);
    }

    [Fact]
    public async Task Deleting_a_contact_sends_del_external_contact_or_del_follow_user()
    {
        await using var receiver = await CallbackReceiver.StartAsync(SimulatorOptions.DefaultToken, SimulatorOptions.DefaultEncodingAesKey, SimulatorOptions.DefaultCorpId);
        await using var sim = await SimulatorHost.StartAsync(o => o.CallbackUrl = receiver.Url);
        var customers = await sim.Client().ListExternalContactsAsync("chenjing");

        (await sim.Http().PostAsJsonAsync("sim/contacts/delete", new { userid = "chenjing", external_userid = customers[0] })).EnsureSuccessStatusCode();
        (await sim.Http().PostAsJsonAsync("sim/contacts/delete", new { userid = "chenjing", external_userid = customers[1], by = "customer" })).EnsureSuccessStatusCode();
        var missing = await sim.Http().PostAsJsonAsync("sim/contacts/delete", new { userid = "chenjing", external_userid = customers[0] });

        var events = receiver.Events.Cast<ExternalContactChanged>().ToList();
        Assert.Equal(new[] { ExternalContactChangeType.DelExternalContact, ExternalContactChangeType.DelFollowUser }, events.Select(e => e.ChangeType));
        Assert.Equal(new[] { customers[0], customers[1] }, events.Select(e => e.ExternalUserId));
        Assert.Equal(404, (int)missing.StatusCode);
        Assert.DoesNotContain(customers[0], await sim.Client().ListExternalContactsAsync("chenjing"));
    }

    [Fact]
    public async Task Unreachable_callback_url_is_retried_and_reported()
    {
        await using var sim = await SimulatorHost.StartAsync(o =>
        {
            o.CallbackUrl = "http://127.0.0.1:1/callback"; // nothing listens on port 1
            o.CallbackRetries = 2;
            o.CallbackRetryDelay = TimeSpan.FromMilliseconds(10);
        });

        var added = await sim.Control.AddContactAsync("yangli", "孙俪");

        Assert.False(added!.Callback!.Delivered);
        Assert.Equal(3, added.Callback.Attempts);
        Assert.Single(sim.Corp.Callbacks);
    }
}
