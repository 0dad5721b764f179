using System.Xml;
using System.Xml.Linq;

namespace Siyu.WeCom.Callbacks;

/// <summary>XML loading for untrusted callback bodies: no DTDs, no external resolution (XXE safe).</summary>
internal static class SafeXml
{
    private static readonly XmlReaderSettings Settings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        // Callback bodies are a few KB; a cap stops entity-free but huge documents early.
        MaxCharactersInDocument = 4 * 1024 * 1024,
    };

    public static XElement LoadRoot(string xml)
    {
        try
        {
            using var text = new StringReader(xml);
            using var reader = XmlReader.Create(text, Settings);
            var doc = XDocument.Load(reader, LoadOptions.None);
            return doc.Root ?? throw new WeComCallbackException(WeComCallbackError.MalformedXml, "XML has no root element.");
        }
        catch (XmlException ex)
        {
            throw new WeComCallbackException(WeComCallbackError.MalformedXml, "XML is not well-formed: " + ex.Message, ex);
        }
    }

    /// <summary>Text of a direct child element, trimmed; null when absent. CDATA and plain text both count.</summary>
    public static string? Child(XElement root, string name)
    {
        var element = root.Element(name);
        return element?.Value.Trim();
    }
}
