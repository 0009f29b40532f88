using System.Xml;

namespace ChatBot.WeCom.Callbacks;

/// <summary>
/// Flat WeCom XML (<c>&lt;xml&gt;&lt;Name&gt;value&lt;/Name&gt;…&lt;/xml&gt;</c>), read with DTDs prohibited and no resolver:
/// a DTD or an entity declaration is a malformed body, never an XXE.
/// </summary>
internal static class WeComXml
{
    private static readonly XmlReaderSettings Settings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = 1024 * 1024,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
    };

    /// <returns>The child elements of the root by name, or null when the XML is malformed or has a DTD.</returns>
    public static Dictionary<string, string>? ReadFlat(Stream xml)
    {
        try
        {
            using var reader = XmlReader.Create(xml, Settings);
            if (reader.MoveToContent() != XmlNodeType.Element)
            {
                return null;
            }

            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            var depth = reader.Depth;
            reader.Read();
            while (!reader.EOF && reader.Depth > depth)
            {
                if (reader.NodeType == XmlNodeType.Element && reader.Depth == depth + 1)
                {
                    var name = reader.LocalName;
                    fields[name] = reader.ReadElementContentAsString();
                }
                else
                {
                    reader.Read();
                }
            }

            return fields;
        }
        catch (XmlException)
        {
            return null;
        }
    }
}

/// <summary>A decrypted self-built-app message (wecom.md §3). Apps receive DMs only.</summary>
internal sealed record WeComAppMessage(string ToUserName, string FromUserName, string MsgType, string? Content, string? MsgId, string? CreateTime, string? Event)
{
    /// <summary>
    /// The text to answer: a text message's content, or a voice message's <c>Recognition</c> (present where the app has
    /// speech recognition turned on).
    /// </summary>
    public string? Text => MsgType is "text" or "voice" && Content is { } content && content.Trim() is { Length: > 0 } trimmed ? trimmed : null;

    /// <summary>What a message with no text to read is (image, voice without recognition, video, file); null otherwise.</summary>
    public string? Media => Text is not null || MsgType is not ("image" or "voice" or "video" or "file") ? null : MsgType;

    public static WeComAppMessage? Parse(Dictionary<string, string> fields)
    {
        if (!fields.TryGetValue("FromUserName", out var from) || !fields.TryGetValue("MsgType", out var type)
            || string.IsNullOrEmpty(from) || string.IsNullOrEmpty(type))
        {
            return null;
        }

        return new WeComAppMessage(
            fields.GetValueOrDefault("ToUserName") ?? "",
            from,
            type,
            type == "voice" ? fields.GetValueOrDefault("Recognition") : fields.GetValueOrDefault("Content"),
            fields.GetValueOrDefault("MsgId"),
            fields.GetValueOrDefault("CreateTime"),
            fields.GetValueOrDefault("Event"));
    }
}
