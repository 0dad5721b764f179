using Siyu.WeCom.Api;

namespace Siyu.WeComSimulator.State;

// Frequency limits and server errors on demand, and a per-API call count, so clients' backoff is testable.
public sealed partial class SimulatedCorp
{
    /// <summary>
    /// The next <paramref name="count"/> calls of <paramref name="path"/> (e.g. <c>user/get</c> or
    /// <c>/cgi-bin/user/get</c>; null for any API, gettoken included) answer <paramref name="errCode"/>
    /// (45009 by default) or, when <paramref name="httpStatus"/> is set, that HTTP status.
    /// Faults queue up: a second injection applies after the first is used up.
    /// </summary>
    public void InjectFaults(int count, string? path = null, int errCode = WeComErrorCodes.ApiFrequencyLimit, int? httpStatus = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (httpStatus is < 400 or > 599)
        {
            throw new ArgumentOutOfRangeException(nameof(httpStatus), "An HTTP error status is 400..599.");
        }

        lock (_lock)
        {
            _faults.Add(new SimFault { Path = path is null ? null : NormalizePath(path), ErrCode = errCode, HttpStatus = httpStatus, Remaining = count });
        }
    }

    /// <summary>Drops every pending fault.</summary>
    public void ClearFaults()
    {
        lock (_lock)
        {
            _faults.Clear();
        }
    }

    /// <summary>How many requests reached <paramref name="path"/> (answered or refused, faults included).</summary>
    public int ApiCallCount(string path)
    {
        lock (_lock)
        {
            return _apiCalls.GetValueOrDefault(NormalizePath(path));
        }
    }

    /// <summary>Counts the call and returns the fault it must answer with, if one is pending for it.</summary>
    internal SimFault? OnApiCall(string path)
    {
        var normalized = NormalizePath(path);
        lock (_lock)
        {
            _apiCalls[normalized] = _apiCalls.GetValueOrDefault(normalized) + 1;
            var fault = _faults.FirstOrDefault(f => f.Path is null || f.Path == normalized);
            if (fault is null)
            {
                return null;
            }

            if (--fault.Remaining == 0)
            {
                _faults.Remove(fault);
            }

            return fault;
        }
    }

    internal static SimResult FaultAnswer(SimFault fault) => fault.ErrCode switch
    {
        WeComErrorCodes.ApiFrequencyLimit => SimResult.Error(fault.ErrCode, "api freq out of limit"),
        WeComErrorCodes.ApiConcurrencyLimit => SimResult.Error(fault.ErrCode, "api concurrent out of limit"),
        WeComErrorCodes.SystemBusy => SimResult.Error(fault.ErrCode, "system busy"),
        _ => SimResult.Error(fault.ErrCode, "injected failure"),
    };

    internal static string NormalizePath(string path)
    {
        var p = path.Trim().TrimStart('/');
        if (p.StartsWith("cgi-bin/", StringComparison.OrdinalIgnoreCase))
        {
            p = p["cgi-bin/".Length..];
        }

        var query = p.IndexOf('?', StringComparison.Ordinal);
        return (query >= 0 ? p[..query] : p).TrimEnd('/');
    }
}
