/// DMARC aggregate report parsing (RFC 7489 appendix C, RFC 9990). Pure: parses bytes handed to it.
public enum AuthReports {}
