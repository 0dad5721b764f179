using System.Text.Json.Nodes;
using Siyu.WeCom.Api;

namespace Siyu.WeComSimulator.State;

// Customer transfer (在职继承 / 离职继承): requests wait (status 2) until the simulation completes them.
public sealed partial class SimulatedCorp
{
    private const int MaxOnJobTransfersPer90Days = 2;
    private const int TransferResultPageSize = 100;

    internal SimResult TransferCustomer(JsonObject body, bool resigned)
    {
        var handover = Str(body, "handover_userid");
        var takeover = Str(body, "takeover_userid");
        var ids = StrList(body, "external_userid");
        var message = Str(body, "transfer_success_msg");
        if (string.IsNullOrEmpty(handover) || string.IsNullOrEmpty(takeover))
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "handover_userid and takeover_userid required");
        }

        if (ids.Count is 0 or > 100)
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "external_userid must hold 1..100 customers");
        }

        if (message is { Length: > 200 })
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "transfer_success_msg exceeds 200 characters");
        }

        lock (_lock)
        {
            var from = AnyUser(handover);
            if (from is null || ActiveUser(takeover) is null)
            {
                return SimResult.Error(WeComErrorCodes.InvalidUserId, "invalid userid");
            }

            if (handover == takeover)
            {
                return SimResult.Error(WeComErrorCodes.HandoverIsTakeover, "handover_userid is takeover_userid");
            }

            if (resigned && !from.Resigned)
            {
                return SimResult.Error(WeComErrorCodes.HandoverNotResigned, "handover_userid has not resigned");
            }

            if (!resigned && from.Resigned)
            {
                // Our choice (no documented code found): a departed member's customers go through resigned/transfer_customer.
                return SimResult.Error(WeComErrorCodes.InvalidUserId, "handover_userid has resigned: use resigned/transfer_customer");
            }

            var now = Now();
            var results = new List<WeComTransferCustomerResult>();
            foreach (var externalUserId in ids)
            {
                var errCode = CheckTransfer(handover, externalUserId, resigned, now);
                if (errCode == WeComErrorCodes.Ok)
                {
                    _transfers.Add(new SimTransfer
                    {
                        Resigned = resigned,
                        Handover = handover,
                        Takeover = takeover,
                        ExternalUserId = externalUserId,
                        RequestedAt = now,
                        TakeoverTime = now + (long)_options.TransferDelay.TotalSeconds,
                    });
                }

                results.Add(new WeComTransferCustomerResult { ExternalUserId = externalUserId, ErrCode = errCode });
            }

            return SimResult.Ok(("customer", results));
        }
    }

    internal SimResult TransferResult(JsonObject body, bool resigned)
    {
        var handover = Str(body, "handover_userid");
        var takeover = Str(body, "takeover_userid");
        lock (_lock)
        {
            if (AnyUser(handover) is null || AnyUser(takeover) is null)
            {
                return SimResult.Error(WeComErrorCodes.InvalidUserId, "invalid userid");
            }

            // The latest transfer of each customer between the two.
            var rows = _transfers
                .Where(t => t.Resigned == resigned && t.Handover == handover && t.Takeover == takeover)
                .GroupBy(t => t.ExternalUserId)
                .Select(g => g.Last())
                .Select(t => new WeComTransferResultItem
                {
                    ExternalUserId = t.ExternalUserId,
                    Status = (WeComTransferStatus)t.Status,
                    TakeoverTime = t.TakeoverTime,
                })
                .ToList();
            if (Paginate(rows, Str(body, "cursor"), TransferResultPageSize) is not { } paged)
            {
                return SimResult.Error(WeComErrorCodes.InvalidParameter, "invalid cursor");
            }

            return SimResult.Ok(("customer", paged.Page), ("next_cursor", paged.Next));
        }
    }

    // ---- Simulation ----

    /// <summary>A transfer the simulation completed, for the callbacks it causes.</summary>
    internal sealed record CompletedTransfer(string Handover, string Takeover, string ExternalUserId, bool Resigned, int Status, long At);

    /// <summary>
    /// Completes every waiting transfer matching the filters. Accepted ones move the follow relation (remark,
    /// description and tags included) from the handover to the takeover member.
    /// </summary>
    internal IReadOnlyList<CompletedTransfer> CompleteTransfers(string? handover, string? takeover, string? externalUserId, SimTransferOutcome outcome)
    {
        lock (_lock)
        {
            var now = Now();
            var completed = new List<CompletedTransfer>();
            var waiting = _transfers.Where(t => t.Status == 2
                && (handover is null || t.Handover == handover)
                && (takeover is null || t.Takeover == takeover)
                && (externalUserId is null || t.ExternalUserId == externalUserId)).ToList();
            foreach (var transfer in waiting)
            {
                var from = _follows.FirstOrDefault(f => f.UserId == transfer.Handover && f.ExternalUserId == transfer.ExternalUserId);
                if (outcome == SimTransferOutcome.Accept && from is not null)
                {
                    transfer.Status = 1;
                    transfer.TakeoverTime = now;
                    _follows.Remove(from);
                    if (!_follows.Any(f => f.UserId == transfer.Takeover && f.ExternalUserId == transfer.ExternalUserId))
                    {
                        var to = new SimFollow
                        {
                            UserId = transfer.Takeover,
                            ExternalUserId = transfer.ExternalUserId,
                            Remark = from.Remark,
                            Description = from.Description,
                            RemarkCorpName = from.RemarkCorpName,
                            RemarkMobiles = [.. from.RemarkMobiles],
                            CreateTime = now,
                            State = from.State,
                            AddWay = 202, // assigned by an admin or leader
                            OperUserId = transfer.Takeover,
                        };
                        to.TagIds.AddRange(from.TagIds);
                        _follows.Add(to);
                    }
                }
                else
                {
                    // Refused, over the limit, or the customer ended the relation meanwhile.
                    transfer.Status = outcome == SimTransferOutcome.Limit ? 4 : 3;
                    transfer.TakeoverTime = 0;
                }

                completed.Add(new CompletedTransfer(transfer.Handover, transfer.Takeover, transfer.ExternalUserId, transfer.Resigned, transfer.Status, now));
            }

            return completed;
        }
    }

    /// <summary>
    /// Staff member <paramref name="userId"/> leaves the corp: hidden from the contact APIs, their groups wait
    /// to be inherited (status 1), and their customers wait for a resigned transfer.
    /// </summary>
    internal void ResignUser(string userId)
    {
        lock (_lock)
        {
            var user = ActiveUser(userId) ?? throw new KeyNotFoundException("Unknown userid " + userId + ".");
            user.Resigned = true;
            foreach (var group in _groups.Where(g => g.Owner == userId && !g.Dismissed))
            {
                group.Status = 1;
            }
        }
    }

    private int CheckTransfer(string handover, string externalUserId, bool resigned, long now)
    {
        if (_contacts.All(c => c.ExternalUserId != externalUserId))
        {
            return WeComErrorCodes.InvalidExternalUserId;
        }

        if (!_follows.Any(f => f.UserId == handover && f.ExternalUserId == externalUserId))
        {
            return WeComErrorCodes.HandoverNotFollower;
        }

        if (_transfers.Any(t => t.ExternalUserId == externalUserId && t.Status == 2))
        {
            return WeComErrorCodes.TransferInProgress;
        }

        // "At most twice in 90 days" counts on-job transfers that went through or are under way, not failed ones.
        var since = now - (90L * 86400);
        if (!resigned && _transfers.Count(t => !t.Resigned && t.ExternalUserId == externalUserId && t.RequestedAt > since && t.Status is 1 or 2)
            >= MaxOnJobTransfersPer90Days)
        {
            return WeComErrorCodes.TransferTooFrequent;
        }

        return WeComErrorCodes.Ok;
    }
}
