namespace Siyu.WeComSimulator.State;

/// <summary>What a simulated API call answers: errcode/errmsg plus the response fields, in order.</summary>
internal sealed class SimResult
{
    private SimResult(int errCode, string errMsg, IReadOnlyList<KeyValuePair<string, object?>> fields)
    {
        ErrCode = errCode;
        ErrMsg = errMsg;
        Fields = fields;
    }

    public int ErrCode { get; }
    public string ErrMsg { get; }
    public IReadOnlyList<KeyValuePair<string, object?>> Fields { get; }

    public static SimResult Ok(params (string Name, object? Value)[] fields) =>
        new(0, "ok", [.. fields.Select(f => new KeyValuePair<string, object?>(f.Name, f.Value))]);

    /// <summary>Errmsg shaped like WeCom's, which always points at its errcode lookup page.</summary>
    public static SimResult Error(int errCode, string message) =>
        new(errCode, $"{message}, more info at https://open.work.weixin.qq.com/devtool/query?e={errCode}", []);

    /// <summary>The JSON body: errcode and errmsg first, as WeCom writes them.</summary>
    public Dictionary<string, object?> ToBody()
    {
        var body = new Dictionary<string, object?> { ["errcode"] = ErrCode, ["errmsg"] = ErrMsg };
        foreach (var (name, value) in Fields)
        {
            body[name] = value;
        }

        return body;
    }
}
