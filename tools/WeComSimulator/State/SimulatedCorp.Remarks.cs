using System.Text.Json;
using System.Text.Json.Nodes;
using Siyu.WeCom.Api;

namespace Siyu.WeComSimulator.State;

// externalcontact/remark: what a staff member notes about a customer, on their follow relation.
public sealed partial class SimulatedCorp
{
    private static readonly string[] RemarkFields = ["remark", "description", "remark_company", "remark_pic_mediaid"];

    /// <summary>
    /// Fields sent overwrite (an empty string clears), fields absent stay; remark_mobiles replaces the list and
    /// <c>[""]</c> clears it. Like every API-made change, no callback follows.
    /// </summary>
    internal SimResult UpdateRemark(JsonObject body)
    {
        if (RemarkFields.Any(name => body[name] is { } node && node.GetValueKind() != JsonValueKind.String)
            || (body["remark_mobiles"] is { } list && (list is not JsonArray array || array.Any(m => m?.GetValueKind() != JsonValueKind.String))))
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "invalid parameter type");
        }

        var remark = Str(body, "remark");
        var description = Str(body, "description");
        var company = Str(body, "remark_company");
        var mobiles = body["remark_mobiles"] is JsonArray ? StrList(body, "remark_mobiles") : null;
        var pictureMediaId = Str(body, "remark_pic_mediaid");

        // "Not all empty": an empty string is empty; an empty array too, which is why clearing takes [""].
        if (string.IsNullOrEmpty(remark) && string.IsNullOrEmpty(description) && string.IsNullOrEmpty(company)
            && mobiles is not { Count: > 0 } && string.IsNullOrEmpty(pictureMediaId))
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter,
                "remark, description, remark_company, remark_mobiles and remark_pic_mediaid cannot all be empty");
        }

        if (CharCount(remark) > 20 || CharCount(company) > 20)
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "remark or remark_company exceeds 20 characters");
        }

        if (CharCount(description) > 150)
        {
            return SimResult.Error(WeComErrorCodes.InvalidParameter, "description exceeds 150 characters");
        }

        lock (_lock)
        {
            var userId = Str(body, "userid");
            if (ActiveUser(userId) is null)
            {
                return SimResult.Error(WeComErrorCodes.UserNotFound, "invalid userid");
            }

            var externalUserId = Str(body, "external_userid");
            var follow = _follows.FirstOrDefault(f => f.UserId == userId && f.ExternalUserId == externalUserId);
            if (follow is null)
            {
                return SimResult.Error(WeComErrorCodes.NotExternalContact, "not external contact");
            }

            follow.Remark = remark ?? follow.Remark;
            follow.Description = description ?? follow.Description;
            // Documented: remark_company only takes effect for WeChat users (type 1); WeCom users bring their corp.
            if (company is not null && _contacts.FirstOrDefault(c => c.ExternalUserId == externalUserId) is { Type: 1 })
            {
                follow.RemarkCorpName = company;
            }

            if (mobiles is { Count: > 0 })
            {
                follow.RemarkMobiles = [.. mobiles.Where(m => m.Length > 0)];
            }

            // remark_pic_mediaid is accepted and dropped: the simulator keeps no media, and no read API returns it.
            return SimResult.Ok();
        }
    }

    // Characters as code points, the same reading as the client's edge check.
    private static int CharCount(string? text)
    {
        var count = 0;
        foreach (var _ in (text ?? string.Empty).EnumerateRunes())
        {
            count++;
        }

        return count;
    }
}
