using Siyu.WeCom.Api;
using Xunit;

namespace Siyu.WeCom.Tests;

public class JsSdkSignatureTests
{
    // The worked example of the WeChat/WeCom JS-SDK documentation (附录1-JS-SDK使用权限签名算法).
    private const string Ticket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg";

    [Fact]
    public void Matches_the_published_example()
    {
        Assert.Equal("0f9de62fce790f9a083d5c99e95740ceb90c27ed",
            JsSdkSignature.Sign(Ticket, "Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value"));
    }

    [Fact]
    public void The_fragment_is_not_part_of_the_signed_url()
    {
        Assert.Equal(JsSdkSignature.Sign(Ticket, "n", 1, "https://a.example/p?q=1"), JsSdkSignature.Sign(Ticket, "n", 1, "https://a.example/p?q=1#top"));
        Assert.NotEqual(JsSdkSignature.Sign(Ticket, "n", 1, "https://a.example/p?q=1"), JsSdkSignature.Sign(Ticket, "n", 1, "https://a.example/p?q=2"));
    }
}
