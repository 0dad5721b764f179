using Siyu.WeComSimulator.State;

namespace Siyu.WeComSimulator.Sim;

/// <summary>The result of a simulated "customer adds staff member".</summary>
/// <param name="Callback">Null when no CallbackUrl is configured.</param>
public sealed record SimContactAdded(string ExternalUserId, string WelcomeCode, SimCallbackDelivery? Callback);

/// <summary>
/// Things that happen on the WeChat side (a customer adds or removes a staff member), which real WeCom
/// reports to Siyu through callbacks. Used by the /sim endpoints and directly by in-process hosts.
/// </summary>
public sealed class SimulatorControl
{
    private readonly SimulatedCorp _corp;
    private readonly CallbackSender _callbacks;
    private readonly TimeProvider _time;

    internal SimulatorControl(SimulatedCorp corp, CallbackSender callbacks, SimulatorOptions options)
    {
        _corp = corp;
        _callbacks = callbacks;
        _time = options.TimeProvider;
    }

    public SimulatedCorp Corp => _corp;

    /// <summary>
    /// A WeChat user named <paramref name="name"/> adds staff member <paramref name="userId"/>, via a channel
    /// code whose state is <paramref name="state"/>. Sends add_external_contact with a fresh WelcomeCode.
    /// Returns null when the userid does not exist.
    /// </summary>
    public async Task<SimContactAdded?> AddContactAsync(
        string userId, string name, string? state = null, string? externalUserId = null, CancellationToken cancellationToken = default)
    {
        var added = _corp.AddContact(userId, name, state, externalUserId);
        if (added is not { } a)
        {
            return null;
        }

        var xml = CallbackXml.ChangeExternalContact(_corp.CorpId, a.CreateTime, "add_external_contact", userId, a.ExternalUserId,
            state: state ?? string.Empty, welcomeCode: a.WelcomeCode);
        var delivery = await _callbacks.SendAsync("change_external_contact", "add_external_contact", xml, cancellationToken);
        return new SimContactAdded(a.ExternalUserId, a.WelcomeCode, delivery);
    }

    /// <summary>
    /// Ends a relation: <paramref name="byCustomer"/> false means the staff member removed the customer
    /// (del_external_contact), true that the customer deleted the staff member (del_follow_user).
    /// Throws <see cref="InvalidOperationException"/> when there is no such relation; returns the callback
    /// delivery, or null when no CallbackUrl is configured.
    /// </summary>
    public async Task<SimCallbackDelivery?> DeleteContactAsync(
        string userId, string externalUserId, bool byCustomer = false, CancellationToken cancellationToken = default)
    {
        if (!_corp.DeleteContact(userId, externalUserId))
        {
            throw new InvalidOperationException($"{userId} does not follow {externalUserId}.");
        }

        var changeType = byCustomer ? "del_follow_user" : "del_external_contact";
        var xml = CallbackXml.ChangeExternalContact(_corp.CorpId, _time.GetUtcNow().ToUnixTimeSeconds(), changeType, userId, externalUserId);
        return await _callbacks.SendAsync("change_external_contact", changeType, xml, cancellationToken);
    }
}
