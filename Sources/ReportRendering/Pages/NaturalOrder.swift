/// Text order with digit runs compared as numbers ("KPU-T64" before "KPU-T128").
enum NaturalOrder {
    /// Whether `a` comes before `b`, or nil when the two are equal.
    static func before(_ a: String, _ b: String) -> Bool? {
        var i = a.unicodeScalars.makeIterator(), j = b.unicodeScalars.makeIterator()
        var x = i.next(), y = j.next()
        func number(_ first: inout Unicode.Scalar?, _ rest: inout String.UnicodeScalarView.Iterator) -> (value: Int, digits: String) {
            var digits = ""
            while let scalar = first, ("0"..."9").contains(scalar) {
                digits.unicodeScalars.append(scalar)
                first = rest.next()
            }
            return (Int(digits.prefix(18)) ?? 0, digits)
        }
        while let p = x, let q = y {
            if ("0"..."9").contains(p) && ("0"..."9").contains(q) {
                let m = number(&x, &i), n = number(&y, &j)
                if m.value != n.value { return m.value < n.value }
                if m.digits != n.digits { return m.digits < n.digits }
                continue
            }
            if p != q { return p.value < q.value }
            x = i.next()
            y = j.next()
        }
        if x == nil && y == nil { return nil }
        return x == nil
    }
}
