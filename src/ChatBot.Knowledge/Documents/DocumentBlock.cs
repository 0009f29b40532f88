namespace ChatBot.Knowledge.Documents;

/// <summary>One piece of a document in reading order: what every reader produces and the chunker consumes.</summary>
public abstract record DocumentBlock;

/// <param name="Level">1 for a title or chapter, deeper for sections and articles.</param>
public sealed record HeadingBlock(int Level, string Text) : DocumentBlock;

public sealed record ParagraphBlock(string Text) : DocumentBlock;

/// <summary>A table with its header row, so rows can be cited and split without losing what their columns mean.</summary>
public sealed record TableBlock(IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows) : DocumentBlock;

/// <summary>A document as read: its title, its blocks, and who may read it (empty lists: everyone).</summary>
public sealed record ParsedDocument(string Title, IReadOnlyList<DocumentBlock> Blocks, DocumentAccess Access);

/// <summary>
/// Departments and users a document is limited to; a document with neither is open to every employee. A document
/// covered by several rules (its front matter and the folder's access file) must pass each of them.
/// </summary>
/// <param name="Departments">Department ids as the platform numbers them ("5"), or platform-qualified ("wecom:5").</param>
public sealed record DocumentAccess(IReadOnlyList<string> Departments, IReadOnlyList<string> Users)
{
    public static DocumentAccess Everyone { get; } = new([], []);

    /// <summary>A further rule the reader must also pass.</summary>
    public DocumentAccess? Also { get; init; }

    public bool IsRestricted => Departments.Count > 0 || Users.Count > 0 || Also?.IsRestricted == true;

    /// <summary>Whether deciding needs the asker's departments (so the directory is asked only when it matters).</summary>
    public bool RestrictsDepartments => Departments.Count > 0 || Also?.RestrictsDepartments == true;

    public bool Allows(string userId, IReadOnlyCollection<string>? departments) =>
        (Departments.Count == 0 && Users.Count == 0
         || Users.Contains(userId, StringComparer.OrdinalIgnoreCase)
         || (departments is not null && Departments.Any(d => departments.Contains(d, StringComparer.OrdinalIgnoreCase))))
        && (Also?.Allows(userId, departments) ?? true);

    /// <summary>This rule and <paramref name="other"/>: a reader must pass both.</summary>
    public DocumentAccess And(DocumentAccess other) =>
        !other.IsRestricted ? this
        : !IsRestricted ? other
        : this with { Also = Also is null ? other : Also.And(other) };
}

/// <summary>A file that cannot be read (damaged, encrypted, a scan without a text layer); the message says why.</summary>
public sealed class DocumentException(string message) : Exception(message);
