namespace ChatBot.Knowledge.Documents;

/// <summary>Reads one file of the knowledge folder by its extension; anything it cannot read is a <see cref="DocumentException"/>.</summary>
public static class DocumentReader
{
    public static readonly IReadOnlySet<string> Extensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".md", ".markdown", ".txt", ".docx", ".xlsx", ".pdf" };

    public static ParsedDocument Read(string path)
    {
        var title = Path.GetFileNameWithoutExtension(path);
        try
        {
            switch (Path.GetExtension(path).ToLowerInvariant())
            {
                case ".md" or ".markdown":
                    return MarkdownReader.Read(PlainTextReader.Decode(File.ReadAllBytes(path)), title);
                case ".txt":
                    return PlainTextReader.Read(PlainTextReader.Decode(File.ReadAllBytes(path)), title);
                case ".docx":
                    using (var stream = File.OpenRead(path))
                    {
                        return OfficeReaders.ReadWord(stream, title);
                    }

                case ".xlsx":
                    using (var stream = File.OpenRead(path))
                    {
                        return OfficeReaders.ReadExcel(stream, title);
                    }

                case ".pdf":
                    using (var stream = File.OpenRead(path))
                    {
                        return OfficeReaders.ReadPdf(stream, title);
                    }

                default:
                    throw new DocumentException($"{Path.GetExtension(path)} files are not read (Markdown, text, docx, xlsx and text PDFs are)");
            }
        }
        catch (Exception ex) when (ex is not DocumentException and not OutOfMemoryException)
        {
            throw new DocumentException($"could not be read: {ex.GetType().Name}: {ex.Message}");
        }
    }
}
