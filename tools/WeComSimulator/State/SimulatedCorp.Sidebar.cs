using System.Security.Cryptography;

namespace Siyu.WeComSimulator.State;

// The staff sidebar's WeCom side: JS-SDK tickets and OAuth codes.
public sealed partial class SimulatedCorp
{
    private readonly Dictionary<string, string> _oauthCodes = new(StringComparer.Ordinal);
    private string? _corpTicket;
    private string? _agentTicket;

    /// <summary>The tickets are stable until the simulator restarts, as WeCom's are for their 7,200 s.</summary>
    internal SimResult GetJsApiTicket(bool agent)
    {
        lock (_lock)
        {
            var ticket = agent ? _agentTicket ??= NewSecret("agent") : _corpTicket ??= NewSecret("corp");
            return SimResult.Ok(("ticket", ticket), ("expires_in", 7200));
        }
    }

    /// <summary>The tickets handed out so far (for tests checking signatures); null before the first fetch.</summary>
    internal (string? Corp, string? Agent) JsApiTickets()
    {
        lock (_lock)
        {
            return (_corpTicket, _agentTicket);
        }
    }

    /// <summary>What WeCom's OAuth page does after a member opens a link in the client: a one-time code for that member.</summary>
    internal string IssueOAuthCode(string? userId)
    {
        lock (_lock)
        {
            // Opened outside a test (the demo): as the first member, as if they had tapped the sidebar.
            userId ??= _users.FirstOrDefault(u => !u.Resigned)?.UserId;
            if (ActiveUser(userId) is null)
            {
                throw new KeyNotFoundException("Unknown userid " + userId + ".");
            }
            var code = NewSecret("code");
            _oauthCodes[code] = userId!;
            return code;
        }
    }

    /// <summary><c>auth/getuserinfo</c>: a code works once (40029 invalid code otherwise).</summary>
    internal SimResult GetUserInfoByCode(string? code)
    {
        lock (_lock)
        {
            return code is not null && _oauthCodes.Remove(code, out var userId)
                ? SimResult.Ok(("userid", userId), ("user_ticket", NewSecret("ut")), ("expires_in", 1800))
                : SimResult.Error(40029, "invalid code");
        }
    }

    private static string NewSecret(string prefix) => prefix + "_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
