using System.Text;

namespace StreamRnn.Daemon.Tests.Deployment;

/// <summary>The anchors GitHub gives the headings of a Markdown file (lower case, punctuation dropped, spaces to '-').</summary>
internal static class MarkdownAnchors
{
    public static HashSet<string> Of(string path)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        bool inCode = false;
        foreach (string line in File.ReadLines(path))
        {
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                inCode = !inCode;
            }
            else if (!inCode && line.StartsWith('#'))
            {
                anchors.Add(Slug(line.TrimStart('#').Trim()));
            }
        }

        return anchors;
    }

    public static string Slug(string heading)
    {
        var slug = new StringBuilder(heading.Length);
        foreach (char character in heading.ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(character) || character is '-' or '_')
            {
                slug.Append(character);
            }
            else if (character == ' ')
            {
                slug.Append('-');
            }
        }

        return slug.ToString();
    }
}
