namespace ChatBot.Core.Knowledge.Documents;

/// <summary>One piece of a document in reading order: what every reader produces and the chunker consumes.</summary>
public abstract record DocumentBlock;

/// <param name="Level">1 for a title or chapter, deeper for sections and articles.</param>
public sealed record HeadingBlock(int Level, string Text) : DocumentBlock;

public sealed record ParagraphBlock(string Text) : DocumentBlock;

/// <summary>A table with its header row, so rows can be cited and split without losing what their columns mean.</summary>
public sealed record TableBlock(IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows) : DocumentBlock;

/// <summary>A document as read: its title, its blocks, and who may read it (empty lists: everyone).</summary>
public sealed record ParsedDocument(string Title, IReadOnlyList<DocumentBlock> Blocks, DocumentAccess Access);

/// <summary>Departments and users a document is limited to; a document with neither is open to every employee.</summary>
public sealed record DocumentAccess(IReadOnlyList<string> Departments, IReadOnlyList<string> Users)
{
    public static DocumentAccess Everyone { get; } = new([], []);

    public bool IsRestricted => Departments.Count > 0 || Users.Count > 0;

    public bool Allows(string userId, IReadOnlyCollection<string>? departments) =>
        !IsRestricted
        || Users.Contains(userId, StringComparer.OrdinalIgnoreCase)
        || (departments is not null && Departments.Any(d => departments.Contains(d, StringComparer.OrdinalIgnoreCase)));
}

/// <summary>A file that cannot be read (damaged, encrypted, a scan without a text layer); the message says why.</summary>
public sealed class DocumentException(string message) : Exception(message);
