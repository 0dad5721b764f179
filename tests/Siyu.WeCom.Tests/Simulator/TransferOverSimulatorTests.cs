using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Siyu.WeCom.Api;
using Siyu.WeCom.Callbacks;
using Siyu.WeComSimulator.State;

namespace Siyu.WeCom.Tests.Simulator;

/// <summary>Customer transfer (在职继承 / 离职继承): waiting, completion, callbacks and WeCom's limits.</summary>
public sealed class TransferOverSimulatorTests
{
    private static readonly DateTimeOffset Start = new(2025, 11, 25, 10, 0, 0, TimeSpan.FromHours(8));

    [Fact]
    public async Task On_job_transfer_waits_then_moves_the_customer_and_sends_callbacks()
    {
        var time = new FakeTimeProvider(Start);
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var sim = await SimulatorHost.StartAsync(o => { o.TimeProvider = time; o.CallbackUrl = receiver.Url; });
        var client = sim.Client(new WeComTokenCache(time));
        var customers = await MassSendOverSimulatorTests.NewCustomersAsync(sim, "zhangmin", 2);
        var vipTag = (await client.GetCorpTagListAsync())[0].Tag[1].Id;
        await client.MarkTagAsync("zhangmin", customers[0], [vipTag]);
        receiver.Events.Clear();

        var started = await client.TransferCustomerAsync(new WeComTransferCustomerRequest
        {
            HandoverUserId = "zhangmin", TakeoverUserId = "lihua", ExternalUserId = customers, TransferSuccessMsg = "您好，后续由店长李华为您服务",
        });
        var waiting = await client.GetTransferResultAsync("zhangmin", "lihua");
        var again = await client.TransferCustomerAsync(new WeComTransferCustomerRequest
        {
            HandoverUserId = "zhangmin", TakeoverUserId = "wangfang", ExternalUserId = [customers[0]],
        });

        Assert.All(started, c => Assert.True(c.Started));
        Assert.All(waiting.Customer, c => Assert.Equal(WeComTransferStatus.Waiting, c.Status));
        Assert.All(waiting.Customer, c => Assert.Equal(Start.AddHours(24).ToUnixTimeSeconds(), c.TakeoverTime));
        Assert.Equal(WeComErrorCodes.TransferInProgress, Assert.Single(again).ErrCode);
        Assert.Contains("zhangmin", (await client.GetExternalContactAsync(customers[0])).FollowUser.Select(f => f.UserId));

        time.Advance(TimeSpan.FromHours(24));
        var response = await sim.Http().PostAsJsonAsync("sim/transfers/complete", new { handover_userid = "zhangmin" });
        response.EnsureSuccessStatusCode();
        var completed = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("completed");
        var done = await client.GetTransferResultAsync("zhangmin", "lihua");
        var detail = await client.GetExternalContactAsync(customers[0]);

        Assert.Equal(2, completed.GetArrayLength());
        Assert.All(done.Customer, c => Assert.Equal((WeComTransferStatus.Done, time.GetUtcNow().ToUnixTimeSeconds()), (c.Status, c.TakeoverTime)));
        var follow = Assert.Single(detail.FollowUser);
        Assert.Equal("lihua", follow.UserId);
        Assert.Contains(follow.Tags!, t => t.TagId == vipTag);
        Assert.DoesNotContain(customers[0], await client.ListExternalContactsAsync("zhangmin"));

        var events = receiver.Events.Cast<ExternalContactChanged>().ToList();
        Assert.Equal(4, events.Count);
        foreach (var customer in customers)
        {
            var removed = Assert.Single(events, e => e.ExternalUserId == customer && e.ChangeType == ExternalContactChangeType.DelExternalContact);
            var added = Assert.Single(events, e => e.ExternalUserId == customer && e.ChangeType == ExternalContactChangeType.AddExternalContact);
            Assert.Equal(("zhangmin", "DELETE_BY_TRANSFER"), (removed.UserId, removed.Source));
            Assert.Equal("lihua", added.UserId);
        }
    }

    [Fact]
    public async Task A_customer_is_transferred_on_job_at_most_twice_in_90_days()
    {
        var time = new FakeTimeProvider(Start);
        await using var sim = await SimulatorHost.StartAsync(o => o.TimeProvider = time);
        var client = sim.Client(new WeComTokenCache(time));
        var customer = (await MassSendOverSimulatorTests.NewCustomersAsync(sim, "zhangmin", 1))[0];

        async Task<int> TransferAsync(string from, string to) =>
            (await client.TransferCustomerAsync(new WeComTransferCustomerRequest { HandoverUserId = from, TakeoverUserId = to, ExternalUserId = [customer] }))
            .Single().ErrCode;

        Assert.Equal(0, await TransferAsync("zhangmin", "wangfang"));
        await sim.Control.CompleteTransfersAsync(externalUserId: customer);
        time.Advance(TimeSpan.FromDays(10));
        Assert.Equal(0, await TransferAsync("wangfang", "lihua"));
        await sim.Control.CompleteTransfersAsync(externalUserId: customer);
        time.Advance(TimeSpan.FromDays(10));
        var third = await TransferAsync("lihua", "zhangmin");
        time.Advance(TimeSpan.FromDays(71)); // the first transfer is now more than 90 days ago
        var later = await TransferAsync("lihua", "zhangmin");

        Assert.Equal(WeComErrorCodes.TransferTooFrequent, third);
        Assert.Equal(0, later);
    }

    [Fact]
    public async Task Refused_transfer_keeps_the_customer_and_sends_transfer_fail()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var sim = await SimulatorHost.StartAsync(o => o.CallbackUrl = receiver.Url);
        var client = sim.Client();
        var customer = (await MassSendOverSimulatorTests.NewCustomersAsync(sim, "yangli", 1))[0];
        receiver.Events.Clear();

        await client.TransferCustomerAsync(new WeComTransferCustomerRequest { HandoverUserId = "yangli", TakeoverUserId = "liuyang", ExternalUserId = [customer] });
        (await sim.Http().PostAsJsonAsync("sim/transfers/complete", new { external_userid = customer, outcome = "refuse" })).EnsureSuccessStatusCode();
        var result = Assert.Single((await client.GetTransferResultAsync("yangli", "liuyang")).Customer);

        Assert.Equal((WeComTransferStatus.Refused, 0L), (result.Status, result.TakeoverTime));
        Assert.Equal(["yangli"], (await client.GetExternalContactAsync(customer)).FollowUser.Select(f => f.UserId));
        var fail = Assert.IsType<ExternalContactChanged>(Assert.Single(receiver.Events));
        Assert.Equal((ExternalContactChangeType.TransferFail, "customer_refused", "liuyang", customer), (fail.ChangeType, fail.FailReason, fail.UserId, fail.ExternalUserId));

        // A refused transfer does not count towards the limit, and the customer can be transferred again.
        var retry = await client.TransferCustomerAsync(new WeComTransferCustomerRequest { HandoverUserId = "yangli", TakeoverUserId = "liuyang", ExternalUserId = [customer] });
        Assert.True(retry.Single().Started);
    }

    [Fact]
    public async Task Transfer_input_errors_are_reported_per_request_or_per_customer()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();
        var mine = (await MassSendOverSimulatorTests.NewCustomersAsync(sim, "zhangmin", 1))[0];
        var theirs = (await MassSendOverSimulatorTests.NewCustomersAsync(sim, "chenjing", 1))[0];

        var same = await Assert.ThrowsAsync<WeComApiException>(() => client.TransferCustomerAsync(
            new WeComTransferCustomerRequest { HandoverUserId = "zhangmin", TakeoverUserId = "zhangmin", ExternalUserId = [mine] }));
        var unknownTakeover = await Assert.ThrowsAsync<WeComApiException>(() => client.TransferCustomerAsync(
            new WeComTransferCustomerRequest { HandoverUserId = "zhangmin", TakeoverUserId = "ghost", ExternalUserId = [mine] }));
        var perCustomer = await client.TransferCustomerAsync(
            new WeComTransferCustomerRequest { HandoverUserId = "zhangmin", TakeoverUserId = "lihua", ExternalUserId = ["wmNOBODY", theirs, mine] });

        Assert.Equal(WeComErrorCodes.HandoverIsTakeover, same.ErrCode);
        Assert.Equal(WeComErrorCodes.InvalidUserId, unknownTakeover.ErrCode);
        Assert.Equal([WeComErrorCodes.InvalidExternalUserId, WeComErrorCodes.HandoverNotFollower, 0], perCustomer.Select(c => c.ErrCode));
        Assert.Single((await client.GetTransferResultAsync("zhangmin", "lihua")).Customer);
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = client.TransferCustomerAsync(new WeComTransferCustomerRequest
        {
            HandoverUserId = "zhangmin", TakeoverUserId = "lihua", ExternalUserId = [.. Enumerable.Range(0, 101).Select(i => "wm" + i)],
        }); });
    }

    [Fact]
    public async Task Resigned_transfer_hands_over_the_customers_of_a_member_who_left()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var sim = await SimulatorHost.StartAsync(o => o.CallbackUrl = receiver.Url);
        var client = sim.Client();
        var customers = await MassSendOverSimulatorTests.NewCustomersAsync(sim, "liuyang", 2);
        var request = new WeComTransferCustomerRequest { HandoverUserId = "liuyang", TakeoverUserId = "chenjing", ExternalUserId = customers };

        var notResigned = await Assert.ThrowsAsync<WeComApiException>(() => client.ResignedTransferCustomerAsync(request));
        receiver.Events.Clear();
        (await sim.Http().PostAsJsonAsync("sim/users/resign", new { userid = "liuyang" })).EnsureSuccessStatusCode();
        var gone = await Assert.ThrowsAsync<WeComApiException>(() => client.GetUserAsync("liuyang"));
        var onJob = await Assert.ThrowsAsync<WeComApiException>(() => client.TransferCustomerAsync(request));
        var started = await client.ResignedTransferCustomerAsync(request);
        var waiting = await client.GetResignedTransferResultAsync("liuyang", "chenjing");
        var completion = await sim.Control.CompleteTransfersAsync(handoverUserId: "liuyang");
        var done = await client.GetResignedTransferResultAsync("liuyang", "chenjing");

        Assert.Equal(WeComErrorCodes.HandoverNotResigned, notResigned.ErrCode);
        Assert.Equal(WeComErrorCodes.UserNotFound, gone.ErrCode);
        Assert.Equal(WeComErrorCodes.InvalidUserId, onJob.ErrCode);
        Assert.DoesNotContain("liuyang", await client.GetFollowUserListAsync());
        Assert.All(started, c => Assert.True(c.Started));
        Assert.All(waiting.Customer, c => Assert.Equal(WeComTransferStatus.Waiting, c.Status));
        Assert.All(done.Customer, c => Assert.Equal(WeComTransferStatus.Done, c.Status));
        Assert.Empty((await client.GetTransferResultAsync("liuyang", "chenjing")).Customer);
        Assert.Equal(["chenjing"], (await client.GetExternalContactAsync(customers[1])).FollowUser.Select(f => f.UserId));

        var events = receiver.Events.ToList();
        var deleted = Assert.IsType<ContactChanged>(events[0]);
        Assert.Equal((ContactChangeType.DeleteUser, "liuyang"), (deleted.ChangeType, deleted.UserId));
        // A resigned member's relation just ends: the takeover member gets add_external_contact, nobody gets a delete.
        Assert.Equal(2, completion.Callbacks.Count);
        Assert.All(events.Skip(1).Cast<ExternalContactChanged>(), e => Assert.Equal((ExternalContactChangeType.AddExternalContact, "chenjing"), (e.ChangeType, e.UserId)));
    }

    [Fact]
    public async Task Completing_with_the_limit_outcome_reports_status_4()
    {
        await using var sim = await SimulatorHost.StartAsync();
        var client = sim.Client();
        var customer = (await MassSendOverSimulatorTests.NewCustomersAsync(sim, "huangting", 1))[0];
        await client.TransferCustomerAsync(new WeComTransferCustomerRequest { HandoverUserId = "huangting", TakeoverUserId = "zhaolei", ExternalUserId = [customer] });

        var (completed, _) = await sim.Control.CompleteTransfersAsync(takeoverUserId: "zhaolei", outcome: SimTransferOutcome.Limit);

        Assert.Equal(4, Assert.Single(completed).Status);
        Assert.Equal(WeComTransferStatus.TakeoverLimitReached, Assert.Single((await client.GetTransferResultAsync("huangting", "zhaolei")).Customer).Status);
    }
}
