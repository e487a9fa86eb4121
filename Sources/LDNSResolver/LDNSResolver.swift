import CLDNS
import DNSCore
